using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Tests.Clues;

public sealed class ClueWorkflowTests
{
    // The table of domain.md §2, written out independently of ClueWorkflow: "from action to".
    // Comment is allowed in every state; Urge and Supervise in every open state (listed below).
    private const string Expected = """
        PendingAcceptance Withdraw Withdrawn
        PendingAcceptance Accept InProgress
        PendingAcceptance Reassign PendingAcceptance
        InProgress Reassign InProgress
        PendingAcceptance Reroute PendingAcceptance
        InProgress Reroute PendingAcceptance
        InProgress Resolve Resolved
        InProgress Escalate PendingAcceptance
        InProgress ProposeDispatch PendingReview
        PendingReview ApproveDispatch DispatchedToGrid
        PendingReview RejectDispatch InProgress
        DispatchedToGrid GridResult PendingConfirmation
        PendingConfirmation ConfirmResult Resolved
        PendingConfirmation RejectResult DispatchedToGrid
        PendingAcceptance Return PendingAcceptance
        InProgress Return PendingAcceptance
        Resolved Reopen PendingAcceptance
        InProgress RequestEscalation InProgress
        InProgress ApproveEscalation PendingAcceptance
        InProgress RejectEscalation InProgress
        Resolved Rate Resolved
        Resolved Redo PendingAcceptance
        """;

    private static readonly ClueState[] Open =
        [ClueState.PendingAcceptance, ClueState.InProgress, ClueState.PendingReview, ClueState.DispatchedToGrid, ClueState.PendingConfirmation];

    private static Dictionary<(ClueState, ClueAction), ClueState> ExpectedTable()
    {
        var t = Expected.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(p => (Enum.Parse<ClueState>(p[0]), Enum.Parse<ClueAction>(p[1])), p => Enum.Parse<ClueState>(p[2]));
        foreach (var s in Enum.GetValues<ClueState>())
        {
            t[(s, ClueAction.Comment)] = s;
            if (!Open.Contains(s)) continue;
            t[(s, ClueAction.Urge)] = s;
            t[(s, ClueAction.Supervise)] = s;
            t[(s, ClueAction.RequestExtension)] = s;
            t[(s, ClueAction.ApproveExtension)] = s;
            t[(s, ClueAction.RejectExtension)] = s;
        }
        return t;
    }

    public static TheoryData<ClueState, ClueAction> AllPairs()
    {
        var data = new TheoryData<ClueState, ClueAction>();
        foreach (var s in Enum.GetValues<ClueState>())
            foreach (var a in Enum.GetValues<ClueAction>())
                data.Add(s, a);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void TryApply_EveryStateAndAction_MatchesTheSpecTable(ClueState from, ClueAction action)
    {
        var expected = ExpectedTable();
        var allowed = ClueWorkflow.TryApply(from, action, out var to);
        Assert.Equal(expected.ContainsKey((from, action)), allowed);
        if (allowed) Assert.Equal(expected[(from, action)], to);
    }

    [Fact]
    public void Report_IsNeverATransition()
    {
        Assert.All(Enum.GetValues<ClueState>(), s => Assert.False(ClueWorkflow.TryApply(s, ClueAction.Report, out _)));
    }

    [Fact]
    public void ClosedStates_OnlyTakeCommentsAndReopen()
    {
        Assert.Equal([ClueAction.Redo, ClueAction.Rate, ClueAction.Reopen, ClueAction.Comment], ClueWorkflow.AllowedFrom(ClueState.Resolved).Order().Reverse().ToList());
        Assert.Equal([ClueAction.Comment], ClueWorkflow.AllowedFrom(ClueState.Withdrawn).ToList());
    }

    private static ClueSnapshot At(Tier tier, bool barred = false, bool target = true, PendingRequest? pending = null, int extensions = 0) =>
        new(ClueState.InProgress, tier, barred, null) { HasEscalationTarget = target, Pending = pending, ExtensionsAtTier = extensions };

    [Theory]
    [InlineData(Tier.WorkGroup, false, true)]
    [InlineData(Tier.District, false, true)]
    [InlineData(Tier.District, true, false)]
    [InlineData(Tier.City, false, false)]
    [InlineData(Tier.Grid, false, false)]
    public void TierAllows_Escalate_UpToCityUnlessReturned(Tier tier, bool barred, bool allowed) =>
        Assert.Equal(allowed, ClueWorkflow.TierAllows(At(tier, barred), ClueAction.Escalate));

    [Theory]
    [InlineData(Tier.WorkGroup)]
    [InlineData(Tier.District)]
    public void TierAllows_Escalate_OnlyWhereTheLineHasATarget(Tier tier)
    {
        Assert.False(ClueWorkflow.TierAllows(At(tier, target: false), ClueAction.Escalate));
        Assert.False(ClueWorkflow.TierAllows(At(tier, target: false), ClueAction.ApproveEscalation));
    }

    [Theory]
    [InlineData(Tier.WorkGroup, false)]
    [InlineData(Tier.District, true)]
    [InlineData(Tier.City, true)]
    [InlineData(Tier.Grid, false)]
    public void TierAllows_ProposeDispatch_AtDistrictOrCity(Tier tier, bool allowed) =>
        Assert.Equal(allowed, ClueWorkflow.TierAllows(At(tier), ClueAction.ProposeDispatch));

    [Theory]
    [InlineData(Tier.WorkGroup, false)]
    [InlineData(Tier.District, false)]
    [InlineData(Tier.City, true)]
    [InlineData(Tier.Grid, false)]
    public void TierAllows_Return_OnlyAtCity(Tier tier, bool allowed) =>
        Assert.Equal(allowed, ClueWorkflow.TierAllows(At(tier), ClueAction.Return));

    [Fact]
    public void RequestAllows_OneRequestAtATime_AndAnswersOnlyTheOneThatWaits()
    {
        Assert.True(ClueWorkflow.RequestAllows(At(Tier.WorkGroup), ClueAction.RequestExtension));
        Assert.False(ClueWorkflow.RequestAllows(At(Tier.WorkGroup, pending: PendingRequest.Escalation), ClueAction.RequestExtension));
        Assert.False(ClueWorkflow.RequestAllows(At(Tier.WorkGroup, pending: PendingRequest.Extension), ClueAction.Escalate));
        Assert.True(ClueWorkflow.RequestAllows(At(Tier.WorkGroup, pending: PendingRequest.Escalation), ClueAction.ApproveEscalation));
        Assert.False(ClueWorkflow.RequestAllows(At(Tier.WorkGroup, pending: PendingRequest.Escalation), ClueAction.ApproveExtension));
        Assert.False(ClueWorkflow.RequestAllows(At(Tier.WorkGroup), ClueAction.RejectEscalation));
    }

    [Fact]
    public void RequestAllows_ExtensionTheThirdTimeAtATier_IsRefused()
    {
        Assert.True(ClueWorkflow.RequestAllows(At(Tier.District, extensions: 1), ClueAction.RequestExtension));
        Assert.False(ClueWorkflow.RequestAllows(At(Tier.District, extensions: 2), ClueAction.RequestExtension));
    }

    [Fact]
    public void RequestAllows_ARatedClue_IsNotRatedAgain()
    {
        var resolved = new ClueSnapshot(ClueState.Resolved, Tier.WorkGroup, false, null);
        Assert.True(ClueWorkflow.RequestAllows(resolved, ClueAction.Rate));
        Assert.False(ClueWorkflow.RequestAllows(resolved with { Rating = ClueRating.Basic }, ClueAction.Rate));
        Assert.False(ClueWorkflow.RequestAllows(resolved with { Rating = ClueRating.Unrated }, ClueAction.Redo));
    }
}
