using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record IdResponse(long Id);

public sealed record CreateSchoolRequest(long TownId, string? Name, bool IsPilot = false, int RolloutPhase = 1);

public sealed record UpdateSchoolRequest(string? Name, bool? IsPilot, int? RolloutPhase);

public sealed record SchoolResponse(long Id, long TownId, string TownName, string Name, bool IsPilot, int RolloutPhase, bool Active);

public sealed record CreateUnitRequest(string? LineCode, string? Level, long RegionId, string? Name);

public sealed record RenameUnitRequest(string? Name);

public sealed record EscalationUnitRequest(long? UnitId);

public sealed record EscalationUnitResponse(int ItemNo, long? UnitId);

public sealed record UnitResponse(long Id, string LineCode, string Level, long RegionId, string Name, bool IsTaskForceOffice, long? LiaisonUserId);

public sealed record LiaisonRequest(string? DingTalkUserId, string? Name, string? Mobile);

/// <summary>A role: <c>Handler</c> or <c>UnitHead</c> with a unit, <c>Reporter</c> with a school.</summary>
public sealed record RoleRequest(string? Role, long? UnitId, long? SchoolId);

public sealed record AccountRequest(string? DingTalkUserId, string? Name, string? Mobile, IReadOnlyList<RoleRequest>? Roles);

/// <summary>An account of a unit; the phone number is masked (138****5678).</summary>
public sealed record AccountResponse(long Id, string DingTalkUserId, string Name, string? Mobile, bool Active, IReadOnlyList<string> Roles);

public sealed record CoLeadersRequest(long GridInstructorUserId, long SchoolLeaderUserId);

public sealed record WorkGroupRequest(string? Name, string? OpenConversationId);

public sealed record WorkGroupMemberRequest(long UserId, long UnitId);

public sealed record SignCoLeader(string Title, string TitleZh, string Name, string? Phone);

public sealed record SignMember(string LineCode, string LineName, string UnitName, string Name, string? Phone);

/// <summary>What the gate sign (公示牌) shows: the co-leaders and members with masked phones, and where to report.</summary>
public sealed record SignResponse(long SchoolId, string SchoolName, string? WorkGroupName, IReadOnlyList<SignCoLeader> CoLeaders,
    IReadOnlyList<SignMember> Members, string ReportLink);

public static class AdminContractMapping
{
    public static SchoolResponse ToResponse(this AdminSchoolRow s) => new(s.Id, s.TownId, s.TownName, s.Name, s.IsPilot, s.RolloutPhase, s.Active);

    public static UnitResponse ToResponse(this AdminUnitRow u) => new(u.Id, u.LineCode, u.Level.ToString(), u.RegionId, u.Name, u.IsTaskForceOffice, u.LiaisonUserId);

    public static IReadOnlyList<AccountResponse> ToResponse(this IReadOnlyList<AccountRow> rows) =>
        rows.GroupBy(r => r.Id)
            .Select(g => new AccountResponse(g.Key, g.First().DingTalkUserId, g.First().Name, PhoneMask.Mask(g.First().Mobile), g.First().Active,
                g.Select(r => r.Role.ToString()).ToList()))
            .ToList();

    public static SignResponse ToResponse(this SignRow s, string reportLink) => new(
        s.School.Id, s.School.Name, s.WorkGroup?.Name,
        s.CoLeaders.Select(c => new SignCoLeader(c.Title ?? "", c.Title == "GridInstructor" ? "网格指导员" : "校级领导", c.Name, PhoneMask.Mask(c.Mobile))).ToList(),
        s.Members.Select(m => new SignMember(m.LineCode ?? "", m.LineName ?? "", m.UnitName ?? "", m.Name, PhoneMask.Mask(m.Mobile))).ToList(),
        reportLink);

    /// <summary>An enum by its name (not its number); null when absent or unknown.</summary>
    public static T? ParseName<T>(string? value) where T : struct, Enum =>
        value is not null && !value.Any(char.IsDigit) && Enum.TryParse<T>(value, ignoreCase: true, out var v) && Enum.IsDefined(v) ? v : null;

    /// <summary>The roles of a request, or null when one is not a known role.</summary>
    public static IReadOnlyList<MembershipGrant>? ToGrants(IReadOnlyList<RoleRequest>? roles, out bool invalid)
    {
        invalid = false;
        if (roles is null) return null;
        var grants = new List<MembershipGrant>();
        foreach (var r in roles)
        {
            if (ParseName<Role>(r.Role) is not { } role) { invalid = true; return null; }
            grants.Add(new MembershipGrant(role, r.UnitId ?? 0, r.SchoolId ?? 0));
        }
        return grants;
    }
}
