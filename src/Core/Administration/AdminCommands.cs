using System.Text.RegularExpressions;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Administration;

public sealed record CreateSchoolCommand(long TownId, string? Name, bool IsPilot, int RolloutPhase);

/// <summary>A change to a school; null fields stay as they are.</summary>
public sealed record UpdateSchoolCommand(string? Name, bool? IsPilot, int? RolloutPhase);

public sealed record CreateUnitCommand(string? LineCode, UnitLevel? Level, long RegionId, string? Name);

/// <summary>A new account with its roles, or a change to one (null fields and a null role list stay as they are).</summary>
public sealed record AccountCommand(string? DingTalkUserId, string? Name, string? Mobile, IReadOnlyList<MembershipGrant>? Memberships);

public sealed record LiaisonCommand(string? DingTalkUserId, string? Name, string? Mobile);

public sealed record CoLeadersCommand(long GridInstructorUserId, long SchoolLeaderUserId);

public sealed record WorkGroupCommand(string? Name, string? OpenConversationId);

public sealed record WorkGroupMemberCommand(long UserId, long UnitId);

/// <summary>Input checks that need no database: each a Chinese sentence and a stable code.</summary>
public static partial class AdminValidation
{
    public const int MaxNameLength = 64;
    public const int MaxSchoolNameLength = 100;
    public const int MaxRolloutPhase = 9;

    [GeneratedRegex(@"^1\d{10}$")] private static partial Regex MobilePattern();
    [GeneratedRegex(@"^[A-Za-z0-9_\-\$]{1,64}$")] private static partial Regex DingTalkIdPattern();
    [GeneratedRegex(@"^[A-Za-z0-9_\-\$\+/=]{1,128}$")] private static partial Regex ConversationPattern();

    public static Failure? Name(string? name, string code, string what, int max = MaxNameLength) =>
        string.IsNullOrWhiteSpace(name) ? Failure.Invalid(code, $"请填写{what}")
        : name.Trim().Length > max ? Failure.Invalid(code, $"{what}不能超过 {max} 个字")
        : HasControl(name) ? Failure.Invalid(code, $"{what}含有不可见字符")
        : null;

    public static Failure? Mobile(string? mobile) =>
        mobile is null || MobilePattern().IsMatch(mobile) ? null : Failure.Invalid("user.mobile_invalid", "手机号格式不正确，应为 11 位数字");

    public static Failure? DingTalkUserId(string? id) =>
        id is not null && DingTalkIdPattern().IsMatch(id) ? null : Failure.Invalid("user.dingtalk_id_invalid", "请填写正确的钉钉用户 ID");

    public static Failure? Phase(int phase) =>
        phase is >= 1 and <= MaxRolloutPhase ? null : Failure.Invalid("school.phase_invalid", $"推广批次应为 1 到 {MaxRolloutPhase}");

    public static Failure? Conversation(string? cid) =>
        cid is null || ConversationPattern().IsMatch(cid) ? null : Failure.Invalid("work_group.conversation_invalid", "群会话 ID 格式不正确");

    public static Failure? Grants(IReadOnlyList<MembershipGrant>? grants)
    {
        if (grants is null) return null;
        if (grants.Count > 20) return Failure.Invalid("user.roles_invalid", "角色不能超过 20 个");
        foreach (var g in grants)
        {
            var ok = g.Role switch
            {
                Role.Handler or Role.UnitHead => g.UnitId > 0 && g.SchoolId == 0,
                Role.Reporter => g.SchoolId > 0 && g.UnitId == 0,
                _ => false,
            };
            if (!ok) return Failure.Invalid("user.roles_invalid", "角色只能是本单位的经办人、负责人（需指定单位）或学校的上报人（需指定学校）");
        }
        return null;
    }

    /// <summary>The first failure of several checks, if any.</summary>
    public static Failure? First(params Failure?[] checks) => checks.FirstOrDefault(c => c is not null);

    private static bool HasControl(string s) => s.Any(char.IsControl);
}
