using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Tests.Guidance;

public sealed class GuidanceWorkflowTests
{
    [Theory]
    [InlineData(FindingState.Open, FindingAction.SubmitEvidence, FindingState.Submitted)]
    [InlineData(FindingState.Submitted, FindingAction.Accept, FindingState.Closed)]
    [InlineData(FindingState.Submitted, FindingAction.SendBack, FindingState.Open)]
    [InlineData(FindingState.Open, FindingAction.Accept, null)]
    [InlineData(FindingState.Open, FindingAction.SendBack, null)]
    [InlineData(FindingState.Submitted, FindingAction.SubmitEvidence, null)]
    [InlineData(FindingState.Closed, FindingAction.SubmitEvidence, null)]
    [InlineData(FindingState.Closed, FindingAction.Accept, null)]
    [InlineData(FindingState.Closed, FindingAction.SendBack, null)]
    public void Next_FollowsTheTable(FindingState from, FindingAction action, FindingState? expected) =>
        Assert.Equal(expected, GuidanceWorkflow.Next(from, action));

    [Fact]
    public void RecordState_ClosedWithNoFindingsOrAllClosed()
    {
        Assert.Equal(GuidanceState.Closed, GuidanceWorkflow.RecordState([]));
        Assert.Equal(GuidanceState.Closed, GuidanceWorkflow.RecordState([FindingState.Closed, FindingState.Closed]));
        Assert.Equal(GuidanceState.Open, GuidanceWorkflow.RecordState([FindingState.Closed, FindingState.Submitted]));
    }

    [Fact]
    public void Permissions_SchoolStaffOfOwnSchool_UnitStaff_Admin()
    {
        var officer = new Actor(1, [new ActorMembership { Role = Role.Reporter, SchoolId = 10 }]);
        var mkt = new Actor(2, [new ActorMembership { Role = Role.Handler, UnitId = 7, LineCode = "MKT", UnitLevel = UnitLevel.Town }]);
        var admin = new Actor(3, [new ActorMembership { Role = Role.EduAdmin }]);
        Assert.True(GuidancePermissions.CanSee(officer, 5, 10, []));
        Assert.False(GuidancePermissions.CanSee(officer, 5, 11, []));
        Assert.True(GuidancePermissions.CanSee(mkt, 5, 11, [7]));
        Assert.False(GuidancePermissions.CanSee(mkt, 5, 11, [null, 8]));
        Assert.True(GuidancePermissions.CanSee(admin, 5, 11, []));
        Assert.True(GuidancePermissions.CanSubmit(officer, 10, null));
        Assert.False(GuidancePermissions.CanSubmit(officer, null, 7));
        Assert.True(GuidancePermissions.CanSubmit(mkt, null, 7));
        Assert.False(GuidancePermissions.CanVerify(officer, 5, creatorUserId: 9));
        Assert.True(GuidancePermissions.CanVerify(mkt, 7, creatorUserId: 2));   // the record's creator
    }

    [Fact]
    public void Verify_CreatorOrTheirUnitHead_NotAnotherHandlerOfTheUnit()
    {
        var creator = new Actor(2, [new ActorMembership { Role = Role.Handler, UnitId = 7 }]);
        var colleague = new Actor(4, [new ActorMembership { Role = Role.Handler, UnitId = 7 }]);
        var head = new Actor(5, [new ActorMembership { Role = Role.UnitHead, UnitId = 7 }]);
        var otherHead = new Actor(6, [new ActorMembership { Role = Role.UnitHead, UnitId = 8 }]);
        Assert.True(GuidancePermissions.CanVerify(creator, 7, creatorUserId: 2));
        Assert.False(GuidancePermissions.CanVerify(colleague, 7, creatorUserId: 2));
        Assert.True(GuidancePermissions.CanVerify(head, 7, creatorUserId: 2));
        Assert.False(GuidancePermissions.CanVerify(otherHead, 7, creatorUserId: 2));
    }
}
