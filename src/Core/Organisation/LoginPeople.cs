namespace SchoolSafety.Core.Organisation;

/// <summary>
/// How the local pages that let one be anyone (the development login, the DingTalk simulator; never in Production) name
/// the demo people: the group they belong to and their role in Chinese.
/// </summary>
public static class LoginPeople
{
    /// <summary>The groups, in the order the pages list them.</summary>
    public static readonly string[] Groups = ["学校", "镇街单位", "区级部门", "市级部门", "区教育局"];

    public static string GroupOf(LoginPersonRow r) => r.Role switch
    {
        Role.Reporter or Role.CoLeader => "学校",
        Role.EduAdmin => "区教育局",
        _ => r.UnitLevel switch { UnitLevel.Town => "镇街单位", UnitLevel.City => "市级部门", _ => "区级部门" },
    };

    public static string RoleZh(LoginPersonRow r) => r.Role switch
    {
        Role.Reporter => "学校安全负责人",
        Role.CoLeader => r.Title == "GridInstructor" ? "网格指导员（双组长）" : "校级领导（双组长）",
        Role.Handler => "经办人",
        Role.UnitHead => "负责人",
        Role.Liaison => "部门联络员",
        Role.EduAdmin => "专班管理员",
        _ => r.Role.ToString(),
    };
}
