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
        ["unitStaff"] = R.UnitStaff,
        ["assignee"] = R.Assignee | R.UnitStaff,
        ["unitHead"] = R.UnitHead | R.UnitStaff,
        ["dispatcher"] = R.DispatchingUnitStaff,
        ["liaison"] = R.LineLiaison,
        ["admin"] = R.EduAdmin,
        ["grid"] = R.GridPlatform,
        ["pastUnit"] = R.PastUnitStaff,
        ["stranger"] = R.None,
    };

    private const string Seeing = "reporter schoolStaff coLeader unitStaff assignee unitHead dispatcher liaison admin pastUnit";

    // domain.md §2, column "who", written out as data.
    private static readonly Dictionary<ClueAction, string> Who = new()
    {
        [ClueAction.Report] = "",
        [ClueAction.Withdraw] = "reporter",
        [ClueAction.Accept] = "unitStaff assignee unitHead",
        [ClueAction.Reassign] = "assignee unitHead",
        [ClueAction.Reroute] = "coLeader admin",
        [ClueAction.Resolve] = "assignee unitHead",
        [ClueAction.Escalate] = "assignee unitHead",
        [ClueAction.ProposeDispatch] = "assignee unitHead",
        [ClueAction.ApproveDispatch] = "unitHead",
        [ClueAction.RejectDispatch] = "unitHead",
        [ClueAction.GridResult] = "grid",
        [ClueAction.GridAccepted] = "grid",
        [ClueAction.GridProgress] = "grid",
        [ClueAction.GridRefused] = "grid",
        [ClueAction.ConfirmResult] = "dispatcher",
        [ClueAction.RejectResult] = "dispatcher",
        [ClueAction.Return] = "unitStaff assignee unitHead",
        [ClueAction.Supervise] = "admin liaison",
        [ClueAction.Urge] = Seeing,
        [ClueAction.Comment] = Seeing,
        [ClueAction.Reopen] = "coLeader admin",
    };

    public static TheoryData<ClueState, Tier, string> StatesTiersPersonas()
    {
        var data = new TheoryData<ClueState, Tier, string>();
        foreach (var s in Enum.GetValues<ClueState>())
            foreach (var t in Enum.GetValues<Tier>())
                foreach (var p in Personas.Keys)
                    data.Add(s, t, p);
        return data;
    }

    [Theory]
    [MemberData(nameof(StatesTiersPersonas))]
    public void AvailableActions_EveryStateTierAndRole_AreTableAndTierAndRoleTogether(ClueState state, Tier tier, string persona)
    {
        var clue = new ClueSnapshot(state, tier, CityEscalationBarred: false, ResolvedAt: Now.AddDays(-1));
        var available = CluePermissions.AvailableActions(Personas[persona], clue, Now);
        foreach (var action in Enum.GetValues<ClueAction>())
        {
            var expected = ClueWorkflow.TryApply(state, action, out _)
                && ClueWorkflow.TierAllows(tier, action, false)
                && Who[action].Split(' ').Contains(persona);
            Assert.True(expected == available.Contains(action), $"{persona} {action} in {state} at {tier}: expected {(expected ? "allowed" : "refused")}");
        }
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
