namespace SchoolSafety.Core.Clues;

/// <summary>What a clue's state and tier allow, as data: pure, no I/O.</summary>
public static class ClueWorkflow
{
    private const ClueState P = ClueState.PendingAcceptance, I = ClueState.InProgress, R = ClueState.PendingReview,
        G = ClueState.DispatchedToGrid, C = ClueState.PendingConfirmation, D = ClueState.Resolved, W = ClueState.Withdrawn;

    /// <summary>At most this many approved extensions per tier (domain.md §2).</summary>
    public const int MaxExtensionsPerTier = 2;

    /// <summary>(from, action) → to. Actions that keep the state map to their own state.</summary>
    private static readonly Dictionary<(ClueState From, ClueAction Action), ClueState> Table = Build();

    /// <summary>
    /// Actions the service records in place of what a person pressed (escalate → a request where the head must approve;
    /// a 不满意 rating in time → 重办): in the table, never offered as a button.
    /// </summary>
    public static readonly IReadOnlySet<ClueAction> Recorded = new HashSet<ClueAction> { ClueAction.RequestEscalation, ClueAction.Redo };

    private static Dictionary<(ClueState, ClueAction), ClueState> Build()
    {
        var t = new Dictionary<(ClueState, ClueAction), ClueState>
        {
            [(P, ClueAction.Withdraw)] = W,
            [(P, ClueAction.Accept)] = I,
            [(P, ClueAction.Reassign)] = P,
            [(I, ClueAction.Reassign)] = I,
            [(P, ClueAction.Reroute)] = P,
            [(I, ClueAction.Reroute)] = P,
            [(I, ClueAction.Resolve)] = D,
            [(I, ClueAction.Escalate)] = P,
            [(I, ClueAction.RequestEscalation)] = I,
            [(I, ClueAction.ApproveEscalation)] = P,
            [(I, ClueAction.RejectEscalation)] = I,
            [(I, ClueAction.ProposeDispatch)] = R,
            [(R, ClueAction.ApproveDispatch)] = G,
            [(R, ClueAction.RejectDispatch)] = I,
            [(G, ClueAction.GridResult)] = C,
            [(C, ClueAction.ConfirmResult)] = D,
            [(C, ClueAction.RejectResult)] = G,
            [(P, ClueAction.Return)] = P,
            [(I, ClueAction.Return)] = P,
            [(D, ClueAction.Reopen)] = P,
            [(D, ClueAction.Rate)] = D,
            [(D, ClueAction.Redo)] = P,
        };
        foreach (var s in Enum.GetValues<ClueState>())
        {
            t[(s, ClueAction.Comment)] = s;
            if (s.IsOpen())
            {
                t[(s, ClueAction.Urge)] = s;
                t[(s, ClueAction.Supervise)] = s;
                t[(s, ClueAction.RequestExtension)] = s;
                t[(s, ClueAction.ApproveExtension)] = s;
                t[(s, ClueAction.RejectExtension)] = s;
            }
        }
        return t;
    }

    public static bool TryApply(ClueState from, ClueAction action, out ClueState to) =>
        Table.TryGetValue((from, action), out to);

    public static IEnumerable<ClueAction> AllowedFrom(ClueState from) =>
        Table.Keys.Where(k => k.From == from).Select(k => k.Action);

    /// <summary>
    /// The tier rules beside the state table: escalation goes up from WorkGroup or District only, where the line
    /// has a unit (or a configured one) at the next tier, never to City again after a return; dispatch to the four
    /// platforms is proposed at District or City; only City returns a clue.
    /// </summary>
    public static bool TierAllows(ClueSnapshot clue, ClueAction action) => action switch
    {
        ClueAction.Escalate or ClueAction.RequestEscalation or ClueAction.ApproveEscalation =>
            clue.HasEscalationTarget && (clue.Tier == Tier.WorkGroup || (clue.Tier == Tier.District && !clue.CityEscalationBarred)),
        ClueAction.ProposeDispatch => clue.Tier is Tier.District or Tier.City,
        ClueAction.Return => clue.Tier == Tier.City,
        _ => true,
    };

    /// <summary>
    /// The request rules: one request waits at a time; an approval or rejection answers the request that waits;
    /// at most <see cref="MaxExtensionsPerTier"/> approved extensions per tier; a clue is rated once.
    /// </summary>
    public static bool RequestAllows(ClueSnapshot clue, ClueAction action) => action switch
    {
        ClueAction.Escalate or ClueAction.RequestEscalation or ClueAction.ProposeDispatch => clue.Pending is null,
        ClueAction.RequestExtension => clue.Pending is null && clue.ExtensionsAtTier < MaxExtensionsPerTier,
        ClueAction.ApproveEscalation or ClueAction.RejectEscalation => clue.Pending == PendingRequest.Escalation,
        ClueAction.ApproveExtension or ClueAction.RejectExtension => clue.Pending == PendingRequest.Extension,
        ClueAction.Rate or ClueAction.Redo => clue.Rating is null,
        _ => true,
    };

    /// <summary>The state table, the tier rules and the request rules together.</summary>
    public static bool Allows(ClueSnapshot clue, ClueAction action, out ClueState to) =>
        TryApply(clue.State, action, out to) && TierAllows(clue, action) && RequestAllows(clue, action);

    public static Tier? NextTier(Tier tier) => tier switch
    {
        Tier.WorkGroup => Tier.District,
        Tier.District => Tier.City,
        _ => null,
    };
}

/// <summary>
/// The part of a clue the pure rules look at. <see cref="HasEscalationTarget"/> is not a column: the service works it
/// out from the line's units and the item's configured escalation unit when it reads the clue.
/// </summary>
public sealed record ClueSnapshot(ClueState State, Tier Tier, bool CityEscalationBarred, DateTime? ResolvedAt)
{
    public bool HasEscalationTarget { get; init; }
    public PendingRequest? Pending { get; init; }
    public int ExtensionsAtTier { get; init; }
    public ClueRating? Rating { get; init; }
    /// <summary>The end of the rating time (3 working days after the resolve); no rating after it.</summary>
    public DateTime? RatingDueAt { get; init; }
}
