using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Administration;

/// <summary>One of a signed-in person's memberships, with the line and level of its unit (if unit-scoped).</summary>
public sealed record ActorMembership
{
    public Role Role { get; init; }
    public long UnitId { get; init; }
    public long SchoolId { get; init; }
    public string? Title { get; init; }
    public string? LineCode { get; init; }
    public UnitLevel? UnitLevel { get; init; }
}

/// <summary>
/// How a signed-in person stands in the organisation: what the administration, guidance, work-list
/// and statistics rules read. An unknown or deactivated user has no memberships.
/// </summary>
public sealed record Actor(long UserId, IReadOnlyList<ActorMembership> Memberships)
{
    private static readonly Role[] StaffRoles = [Role.Handler, Role.UnitHead, Role.Liaison];

    public bool IsEduAdmin => Memberships.Any(m => m.Role == Role.EduAdmin);

    /// <summary>The lines whose department this person is the liaison of.</summary>
    public IReadOnlySet<string> LiaisonLines => Memberships.Where(m => m.Role == Role.Liaison && m.LineCode is not null).Select(m => m.LineCode!).ToHashSet();

    /// <summary>Units where this person is staff (handler, head or liaison).</summary>
    public IReadOnlySet<long> StaffUnits => Memberships.Where(m => StaffRoles.Contains(m.Role) && m.UnitId != 0).Select(m => m.UnitId).ToHashSet();

    /// <summary>Lines of the district-level units where this person is staff: a district department's line.</summary>
    public IReadOnlySet<string> DistrictLines => Memberships
        .Where(m => StaffRoles.Contains(m.Role) && m.UnitLevel == Organisation.UnitLevel.District && m.LineCode is not null)
        .Select(m => m.LineCode!).ToHashSet();

    /// <summary>Schools where this person is school staff (reporter or co-leader).</summary>
    public IReadOnlySet<long> SchoolStaffSchools => Memberships
        .Where(m => m.Role is Role.Reporter or Role.CoLeader && m.SchoolId != 0).Select(m => m.SchoolId).ToHashSet();

    /// <summary>Schools where this person is one of the work group's two co-leaders.</summary>
    public IReadOnlySet<long> CoLeaderSchools => Memberships.Where(m => m.Role == Role.CoLeader && m.SchoolId != 0).Select(m => m.SchoolId).ToHashSet();
}
