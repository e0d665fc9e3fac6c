using SchoolSafety.Core.Administration;

namespace SchoolSafety.Core.Guidance;

/// <summary>Why a department visited a school (domain.md §3).</summary>
public enum GuidanceKind
{
    /// <summary>宣传教育</summary>
    Publicity,
    /// <summary>业务指导</summary>
    BusinessGuidance,
    /// <summary>工作检查</summary>
    Inspection,
}

public enum GuidanceState
{
    /// <summary>整改中: some finding is not yet closed.</summary>
    Open,
    /// <summary>已完成: no findings, or every finding closed.</summary>
    Closed,
}

/// <summary>A finding's rectification (整改): open → evidence submitted → closed, or sent back to open.</summary>
public enum FindingState
{
    Open,
    Submitted,
    Closed,
}

public enum FindingAction
{
    SubmitEvidence,
    Accept,
    SendBack,
}

public static class GuidanceText
{
    public static string Zh(this GuidanceKind k) => k switch
    {
        GuidanceKind.Publicity => "宣传教育",
        GuidanceKind.BusinessGuidance => "业务指导",
        _ => "工作检查",
    };

    public static string Zh(this GuidanceState s) => s == GuidanceState.Open ? "整改中" : "已完成";

    public static string Zh(this FindingState s) => s switch
    {
        FindingState.Open => "待整改",
        FindingState.Submitted => "待验收",
        _ => "已销号",
    };
}

/// <summary>The finding transitions and when a record ends, as plain data.</summary>
public static class GuidanceWorkflow
{
    public static FindingState? Next(FindingState from, FindingAction action) => (from, action) switch
    {
        (FindingState.Open, FindingAction.SubmitEvidence) => FindingState.Submitted,
        (FindingState.Submitted, FindingAction.Accept) => FindingState.Closed,
        (FindingState.Submitted, FindingAction.SendBack) => FindingState.Open,
        _ => null,
    };

    /// <summary>A record ends when every finding is closed (one without findings ends at once).</summary>
    public static GuidanceState RecordState(IEnumerable<FindingState> findings) =>
        findings.All(f => f == FindingState.Closed) ? GuidanceState.Closed : GuidanceState.Open;
}

/// <summary>Who may see and act on guidance records.</summary>
public static class GuidancePermissions
{
    /// <summary>The admin; staff of the visiting unit; the visited school's staff; staff of a unit a finding is assigned to.</summary>
    public static bool CanSee(Actor actor, long recordUnitId, long recordSchoolId, IEnumerable<long?> findingUnitIds) =>
        actor.IsEduAdmin || actor.StaffUnits.Contains(recordUnitId) || actor.SchoolStaffSchools.Contains(recordSchoolId)
        || findingUnitIds.Any(u => u is { } id && actor.StaffUnits.Contains(id));

    /// <summary>The assignee: the school's staff (reporters, co-leaders) or the assigned unit's staff.</summary>
    public static bool CanSubmit(Actor actor, long? assigneeSchoolId, long? assigneeUnitId) =>
        assigneeSchoolId is { } s ? actor.SchoolStaffSchools.Contains(s) : assigneeUnitId is { } u && actor.StaffUnits.Contains(u);

    /// <summary>The record's creator verifies (accepts or sends back), or the head of the creator's unit (domain.md §3).</summary>
    public static bool CanVerify(Actor actor, long recordUnitId, long creatorUserId) =>
        actor.UserId == creatorUserId
        || actor.Memberships.Any(m => m.Role == Organisation.Role.UnitHead && m.UnitId == recordUnitId);

    /// <summary>Records are made by staff of the visiting unit.</summary>
    public static bool CanCreate(Actor actor, long unitId) => actor.StaffUnits.Contains(unitId);
}
