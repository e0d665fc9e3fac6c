namespace SchoolSafety.Core.Organisation;

public enum Role
{
    /// <summary>School safety staff: report clues for their school.</summary>
    Reporter,
    /// <summary>Staff of a unit: handle the unit's clues.</summary>
    Handler,
    /// <summary>Head of a unit: reassigns, approves dispatch to the four platforms.</summary>
    UnitHead,
    /// <summary>The one liaison of a department: keeps its accounts.</summary>
    Liaison,
    /// <summary>One of a school work group's two co-leaders (grid instructor, school leader).</summary>
    CoLeader,
    /// <summary>The Education Bureau's task-force office: runs the system.</summary>
    EduAdmin,
}

public enum UnitLevel
{
    Town,
    District,
    City,
}

public enum RegionLevel
{
    City,
    District,
    Town,
}

public sealed record MembershipRow
{
    public long UserId { get; init; }
    public Role Role { get; init; }
    public long UnitId { get; init; }
    public long SchoolId { get; init; }
    public string? Title { get; init; }
    public string? UnitLineCode { get; init; }
    /// <summary>The person's name (the same on every row).</summary>
    public string UserName { get; init; } = "";
    /// <summary>For school-scoped roles: the school's town.</summary>
    public long? SchoolTownId { get; init; }
}

public sealed record UnitRow
{
    public long Id { get; init; }
    public string LineCode { get; init; } = "";
    public UnitLevel Level { get; init; }
    public long RegionId { get; init; }
    public string Name { get; init; } = "";
}

public sealed record WorklistItemRow
{
    public int No { get; init; }
    public string OwnerLine { get; init; } = "";
    public bool Hazard { get; init; }
    public string Label { get; init; } = "";
    public long? EscalationUnitId { get; init; }
}

public sealed record SchoolRow
{
    public long Id { get; init; }
    public long TownId { get; init; }
    public string Name { get; init; } = "";
    public bool IsPilot { get; init; }
    public int RolloutPhase { get; init; }
}

public sealed record UserRow
{
    public long Id { get; init; }
    public string DingTalkUserId { get; init; } = "";
    public string? UnionId { get; init; }
    public string Name { get; init; } = "";
    public string? Mobile { get; init; }
    public bool Active { get; init; }
}

/// <summary>A work-group member of one line: the first handler of that line's clues at the school.</summary>
public sealed record WorkGroupMemberRow(long UserId, long UnitId);

/// <summary>A work-group member of some line at a school, with their unit.</summary>
public sealed record SchoolMemberRow
{
    public long SchoolId { get; init; }
    public long UserId { get; init; }
    public long UnitId { get; init; }
}

/// <summary>A reporter's memberships, and for each of their schools the members of one line.</summary>
public sealed record ReporterContext(IReadOnlyList<MembershipRow> Memberships, IReadOnlyList<SchoolMemberRow> LineMembers);
