using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Tests.Administration;

public sealed class AdminPermissionsTests
{
    private static ActorMembership Staff(Role role, string line, UnitLevel level = UnitLevel.District, long unit = 1) =>
        new() { Role = role, UnitId = unit, LineCode = line, UnitLevel = level };

    private static readonly Actor PolLiaison = new(1, [Staff(Role.Liaison, "POL"), Staff(Role.Handler, "POL")]);
    private static readonly Actor Admin = new(2, [new ActorMembership { Role = Role.EduAdmin }]);

    [Fact]
    public void CanManageAccount_LiaisonOwnLineStaff_True()
    {
        Assert.True(AdminPermissions.CanManageAccount(PolLiaison, [Staff(Role.Handler, "POL", UnitLevel.Town, 9)]));
    }

    [Fact]
    public void CanManageAccount_LiaisonOtherLineOrMixedOrEmpty_False()
    {
        Assert.False(AdminPermissions.CanManageAccount(PolLiaison, [Staff(Role.Handler, "MKT")]));
        Assert.False(AdminPermissions.CanManageAccount(PolLiaison, [Staff(Role.Handler, "POL"), Staff(Role.Handler, "MKT")]));
        Assert.False(AdminPermissions.CanManageAccount(PolLiaison, [new ActorMembership { Role = Role.Reporter, SchoolId = 3 }]));
        Assert.False(AdminPermissions.CanManageAccount(PolLiaison, []));
    }

    [Fact]
    public void CanManageAccount_AdminAnyone_HandlerNoOne()
    {
        Assert.True(AdminPermissions.CanManageAccount(Admin, [new ActorMembership { Role = Role.CoLeader, SchoolId = 3 }]));
        Assert.False(AdminPermissions.CanManageAccount(new Actor(3, [Staff(Role.Handler, "POL")]), [Staff(Role.Handler, "POL")]));
    }

    [Fact]
    public void CanGrant_LiaisonUnitRolesOfOwnLineOnly()
    {
        Assert.False(AdminPermissions.CanGrant(PolLiaison, new MembershipGrant(Role.UnitHead, 5, 0), "POL", UnitLevel.District));   // only the admin makes heads
        Assert.True(AdminPermissions.CanGrant(Admin, new MembershipGrant(Role.UnitHead, 5, 0), "POL", UnitLevel.District));
        Assert.True(AdminPermissions.CanGrant(PolLiaison, new MembershipGrant(Role.Handler, 5, 0), "POL", UnitLevel.Town));
        Assert.False(AdminPermissions.CanGrant(PolLiaison, new MembershipGrant(Role.Handler, 5, 0), "MKT", UnitLevel.District));
        Assert.False(AdminPermissions.CanGrant(PolLiaison, new MembershipGrant(Role.Reporter, 0, 3), null, null));
        Assert.True(AdminPermissions.CanGrant(Admin, new MembershipGrant(Role.Reporter, 0, 3), null, null));
        Assert.False(AdminPermissions.CanGrant(Admin, new MembershipGrant(Role.EduAdmin, 0, 0), null, null));
    }

    [Fact]
    public void Liaison_CityDepartmentOfTheirLine_IsAnotherDepartment()
    {
        Assert.False(AdminPermissions.CanGrant(PolLiaison, new MembershipGrant(Role.Handler, 7, 0), "POL", UnitLevel.City));
        Assert.False(AdminPermissions.CanManageAccount(PolLiaison, [Staff(Role.Handler, "POL", UnitLevel.City, 7)]));
        Assert.False(AdminPermissions.CanManageUnit(PolLiaison, "POL", UnitLevel.City));
        Assert.True(AdminPermissions.CanManageUnit(PolLiaison, "POL", UnitLevel.Town));
        Assert.True(AdminPermissions.CanManageUnit(Admin, "POL", UnitLevel.City));
    }
}

public sealed class PhoneMaskTests
{
    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData(" 13812345678 ", "138****5678")]
    [InlineData("123456", "******")]
    [InlineData(null, null)]
    [InlineData("", null)]
    public void Mask_HidesTheMiddle(string? phone, string? expected) => Assert.Equal(expected, PhoneMask.Mask(phone));
}
