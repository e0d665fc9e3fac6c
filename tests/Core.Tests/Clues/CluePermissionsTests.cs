using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Organisation;
using R = SchoolSafety.Core.Clues.ClueRelation;

namespace SchoolSafety.Core.Tests.Clues;

public sealed class CluePermissionsTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 2, 0, 0, DateTimeKind.Utc);

    private static readonly Dictionary<string, R> Personas = new()
    {
        ["reporter"] = R.Reporter | R.SchoolStaff,
        ["schoolStaff"] = R.SchoolStaff,
        ["coLeader"] = R.CoLeader,
        ["standIn"] = R.CoLeader | R.StandInRater,
        ["unitStaff"] = R.UnitStaff,
        ["assignee"] = R.Assignee | R.UnitStaff,
        ["requester"] = R.Assignee | R.UnitStaff | R.Requester,
        ["unitHead"] = R.UnitHead | R.UnitStaff,
        ["requesterHead"] = R.UnitHead | R.UnitStaff | R.Requester,
        ["dispatcher"] = R.DispatchingUnitStaff,
        ["liaison"] = R.LineLiaison,
        ["admin"] = R.EduAdmin,
        ["grid"] = R.GridPlatform,
        ["pastUnit"] = R.PastUnitStaff,
        ["stranger"] = R.None,
    };

    private const string Seeing = "reporter schoolStaff coLeader standIn unitStaff assignee requester unitHead requesterHead dispatcher liaison admin pastUnit";
    private const string Handlers = "assignee requester unitHead requesterHead";

    // domain.md §2, column "who", written out as data. Recorded actions (a request in place of escalate, 重办 in place
    // of a rating) are never offered as buttons; their "who" is the action's the person pressed.
    private static readonly Dictionary<ClueAction, string> Who = new()
    {
        [ClueAction.Report] = "",
        [ClueAction.Withdraw] = "reporter",
        [ClueAction.Accept] = "unitStaff " + Handlers,
        [ClueAction.Reassign] = Handlers,
        [ClueAction.Reroute] = "coLeader standIn admin",
        [ClueAction.Resolve] = Handlers,
        [ClueAction.Escalate] = Handlers,
        [ClueAction.ProposeDispatch] = Handlers,
        [ClueAction.ApproveDispatch] = "unitHead",
        [ClueAction.RejectDispatch] = "unitHead",
        [ClueAction.GridResult] = "grid",
        [ClueAction.ConfirmResult] = "dispatcher",
        [ClueAction.RejectResult] = "dispatcher",
        [ClueAction.Return] = "unitStaff " + Handlers,
        [ClueAction.Supervise] = "admin liaison",
        [ClueAction.Urge] = Seeing,
        [ClueAction.Comment] = Seeing,
        [ClueAction.Reopen] = "coLeader standIn admin",
        [ClueAction.RequestEscalation] = "",
        [ClueAction.ApproveEscalation] = "unitHead",
        [ClueAction.RejectEscalation] = "unitHead",
        [ClueAction.RequestExtension] = Handlers,
        [ClueAction.ApproveExtension] = "unitHead",
        [ClueAction.RejectExtension] = "unitHead",
        [ClueAction.Rate] = "reporter standIn",
        [ClueAction.Redo] = "",
    };

    // The tier and request rules of domain.md §2, written out independently of ClueWorkflow.
    private static bool TierAndRequestAllow(ClueAction a, Tier tier, PendingRequest? pending) => a switch
    {
        ClueAction.Escalate => tier is Tier.WorkGroup or Tier.District && pending is null,
        ClueAction.ApproveEscalation => tier is Tier.WorkGroup or Tier.District && pending == PendingRequest.Escalation,
        ClueAction.RejectEscalation => pending == PendingRequest.Escalation,
        ClueAction.ProposeDispatch => tier is Tier.District or Tier.City && pending is null,
        ClueAction.Return => tier == Tier.City,
        ClueAction.RequestExtension => pending is null,
        ClueAction.ApproveExtension or ClueAction.RejectExtension => pending == PendingRequest.Extension,
        _ => true,
    };

    public static TheoryData<ClueState, Tier, string, PendingRequest?> StatesTiersPersonas()
    {
        var data = new TheoryData<ClueState, Tier, string, PendingRequest?>();
        PendingRequest?[] pendings = [null, PendingRequest.Dispatch, PendingRequest.Escalation, PendingRequest.Extension];
        foreach (var s in Enum.GetValues<ClueState>())
            foreach (var t in Enum.GetValues<Tier>())
                foreach (var p in Personas.Keys)
                    foreach (var pending in pendings)
                        data.Add(s, t, p, pending);
        return data;
    }

    [Theory]
    [MemberData(nameof(StatesTiersPersonas))]
    public void AvailableActions_EveryStateTierRoleAndRequest_AreTableTierRequestAndRoleTogether(ClueState state, Tier tier, string persona, PendingRequest? pending)
    {
        var clue = new ClueSnapshot(state, tier, CityEscalationBarred: false, ResolvedAt: Now.AddDays(-1))
        {
            HasEscalationTarget = true, Pending = pending, RatingDueAt = Now.AddDays(2),
        };
        var available = CluePermissions.AvailableActions(Personas[persona], clue, Now);
        foreach (var action in Enum.GetValues<ClueAction>())
        {
            var expected = ClueWorkflow.TryApply(state, action, out _)
                && TierAndRequestAllow(action, tier, pending)
                && Who[action].Split(' ').Contains(persona);
            Assert.True(expected == available.Contains(action), $"{persona} {action} in {state} at {tier} ({pending}): expected {(expected ? "allowed" : "refused")}");
        }
    }

    [Fact]
    public void Approve_NobodyApprovesTheirOwnRequest_EvenAsHead()
    {
        var waiting = new ClueSnapshot(ClueState.InProgress, Tier.WorkGroup, false, null) { HasEscalationTarget = true, Pending = PendingRequest.Extension };
        Assert.True(CluePermissions.CanPerform(R.UnitHead, ClueAction.ApproveExtension, waiting, Now));
        Assert.False(CluePermissions.CanPerform(R.UnitHead | R.Requester, ClueAction.ApproveExtension, waiting, Now));
        Assert.False(CluePermissions.CanPerform(R.UnitHead | R.Requester, ClueAction.RejectExtension, waiting, Now));
        var review = new ClueSnapshot(ClueState.PendingReview, Tier.District, false, null) { Pending = PendingRequest.Dispatch };
        Assert.False(CluePermissions.CanPerform(R.UnitHead | R.Requester, ClueAction.ApproveDispatch, review, Now));
        Assert.True(CluePermissions.CanPerform(R.UnitHead, ClueAction.ApproveDispatch, review, Now));
    }

    [Fact]
    public void Rate_AfterTheRatingTime_OrByACoLeaderWhileTheReporterStays_IsRefused()
    {
        var resolved = new ClueSnapshot(ClueState.Resolved, Tier.WorkGroup, false, Now.AddDays(-4)) { RatingDueAt = Now.AddMinutes(-1) };
        Assert.False(CluePermissions.CanPerform(R.Reporter, ClueAction.Rate, resolved, Now));
        var inTime = resolved with { RatingDueAt = Now.AddDays(1) };
        Assert.True(CluePermissions.CanPerform(R.Reporter, ClueAction.Rate, inTime, Now));
        Assert.False(CluePermissions.CanPerform(R.CoLeader, ClueAction.Rate, inTime, Now));
        Assert.True(CluePermissions.CanPerform(R.CoLeader | R.StandInRater, ClueAction.Rate, inTime, Now));
    }

    [Fact]
    public void Redo_OnlyWithinSevenDaysOfTheResolve()
    {
        var within = new ClueSnapshot(ClueState.Resolved, Tier.WorkGroup, false, Now.AddDays(-7)) { RatingDueAt = Now.AddDays(1) };
        Assert.True(CluePermissions.CanPerform(R.Reporter, ClueAction.Redo, within, Now));
        Assert.False(CluePermissions.CanPerform(R.Reporter, ClueAction.Redo, within with { ResolvedAt = Now.AddDays(-7).AddMinutes(-1) }, Now));
    }

    [Fact]
    public void AvailableActions_NoEscalationTarget_OffersNoEscalation()
    {
        var clue = new ClueSnapshot(ClueState.InProgress, Tier.WorkGroup, false, null) { HasEscalationTarget = false };
        Assert.DoesNotContain(ClueAction.Escalate, CluePermissions.AvailableActions(R.Assignee | R.UnitStaff, clue, Now));
        Assert.Contains(ClueAction.Escalate, CluePermissions.AvailableActions(R.Assignee | R.UnitStaff, clue with { HasEscalationTarget = true }, Now));
    }

    [Fact]
    public void Reopen_CoLeaderAfterSevenDays_IsRefused_AdminStillMay()
    {
        var within = new ClueSnapshot(ClueState.Resolved, Tier.WorkGroup, false, Now.AddDays(-7));
        var after = new ClueSnapshot(ClueState.Resolved, Tier.WorkGroup, false, Now.AddDays(-7).AddMinutes(-1));
        Assert.True(CluePermissions.CanPerform(R.CoLeader, ClueAction.Reopen, within, Now));
        Assert.False(CluePermissions.CanPerform(R.CoLeader, ClueAction.Reopen, after, Now));
        Assert.True(CluePermissions.CanPerform(R.EduAdmin, ClueAction.Reopen, after, Now));
    }

    [Fact]
    public void RelationOf_DerivesEachRelationFromMemberships()
    {
        var clue = new ClueRow
        {
            Id = 1, SchoolId = 10, LineCode = "POL", UnitId = 100, DispatchingUnitId = 200, ReporterUserId = 7, AssigneeUserId = 8,
        };
        MembershipRow M(Role role, long unit = 0, long school = 0, string? line = null) =>
            new() { UserId = 8, Role = role, UnitId = unit, SchoolId = school, UnitLineCode = line };

        Assert.Equal(R.Reporter, CluePermissions.RelationOf(7, [], clue, new HashSet<long>()));
        Assert.Equal(R.Assignee | R.UnitStaff, CluePermissions.RelationOf(8, [M(Role.Handler, 100, line: "POL")], clue, new HashSet<long>()));
        Assert.Equal(R.UnitHead | R.UnitStaff, CluePermissions.RelationOf(9, [M(Role.UnitHead, 100, line: "POL")], clue, new HashSet<long>()));
        Assert.Equal(R.DispatchingUnitStaff, CluePermissions.RelationOf(9, [M(Role.Handler, 200, line: "POL")], clue, new HashSet<long>()));
        Assert.Equal(R.PastUnitStaff, CluePermissions.RelationOf(9, [M(Role.Handler, 300, line: "POL")], clue, new HashSet<long> { 300 }));
        Assert.Equal(R.None, CluePermissions.RelationOf(9, [M(Role.Handler, 301, line: "POL")], clue, new HashSet<long> { 300 }));
        Assert.Equal(R.CoLeader, CluePermissions.RelationOf(9, [M(Role.CoLeader, school: 10)], clue, new HashSet<long>()));
        Assert.Equal(R.None, CluePermissions.RelationOf(9, [M(Role.CoLeader, school: 11)], clue, new HashSet<long>()));
        Assert.Equal(R.SchoolStaff, CluePermissions.RelationOf(9, [M(Role.Reporter, school: 10)], clue, new HashSet<long>()));
        Assert.Equal(R.LineLiaison, CluePermissions.RelationOf(9, [M(Role.Liaison, 500, line: "POL")], clue, new HashSet<long>()));
        Assert.Equal(R.None, CluePermissions.RelationOf(9, [M(Role.Liaison, 501, line: "MKT")], clue, new HashSet<long>()));
        Assert.Equal(R.EduAdmin, CluePermissions.RelationOf(9, [M(Role.EduAdmin)], clue, new HashSet<long>()));
    }

    [Fact]
    public void CanSee_GridPlatformAndStrangers_SeeNothing()
    {
        Assert.False(CluePermissions.CanSee(R.None));
        Assert.False(CluePermissions.CanSee(R.GridPlatform));
        Assert.True(CluePermissions.CanSee(R.PastUnitStaff));
    }
}
