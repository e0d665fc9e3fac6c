using MySqlConnector;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Administration;

/// <summary>
/// The administration use cases (issue 5 §6). Input is checked before any work; each change is one
/// transaction that also writes an <see cref="AuditAction.AdminChange"/> row.
/// </summary>
public sealed class AdminService(MySqlDataSource db, OrganisationStore org, StaffDeparture departures, AuditStore audit)
{
    private static readonly Failure AdminOnly = Failure.Forbidden("仅区教育局管理员可以操作");
    private static readonly Failure NotYourDepartment = Failure.Forbidden("只能管理本部门的账号");

    // ------------------------------------------------------------------ schools

    public async Task<Outcome<IReadOnlyList<AdminSchoolRow>>> SchoolsAsync(long actorId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        return Ok(await org.SchoolsAsync(conn, ct));
    }

    public async Task<Outcome<long>> CreateSchoolAsync(long actorId, CreateSchoolCommand cmd, CancellationToken ct)
    {
        if (AdminValidation.First(AdminValidation.Name(cmd.Name, "school.name_invalid", "学校名称", AdminValidation.MaxSchoolNameLength), AdminValidation.Phase(cmd.RolloutPhase)) is { } bad)
            return bad;
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        if (await org.RegionAsync(conn, null, cmd.TownId, ct) is not { Level: RegionLevel.Town })
            return Failure.Invalid("school.town_invalid", "所属镇街不存在");
        await using var tx = await conn.BeginTransactionAsync(ct);
        var name = cmd.Name!.Trim();
        long id;
        try
        {
            id = await org.InsertSchoolAsync(conn, tx, cmd.TownId, name, cmd.IsPilot, cmd.RolloutPhase, ct);
        }
        catch (MySqlException e) when (Db.IsDuplicateKey(e))
        {
            return Failure.Conflict("school.exists", "该镇街已有同名学校");
        }
        await org.UpsertWorkGroupAsync(conn, tx, id, $"{name}护校安园工作组", null, ct);
        await AuditAsync(conn, tx, actorId, "school", id, "create", ct);
        await tx.CommitAsync(ct);
        return id;
    }

    public async Task<Outcome<long>> UpdateSchoolAsync(long actorId, long schoolId, UpdateSchoolCommand cmd, CancellationToken ct)
    {
        if (AdminValidation.First((cmd.Name is null ? null : AdminValidation.Name(cmd.Name, "school.name_invalid", "学校名称", AdminValidation.MaxSchoolNameLength)), (cmd.RolloutPhase is { } p ? AdminValidation.Phase(p) : null)) is { } bad)
            return bad;
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.SchoolAsync(conn, tx, schoolId, ct) is not { } school) return SchoolNotFound;
        try
        {
            await org.UpdateSchoolAsync(conn, tx, schoolId, cmd.Name?.Trim() ?? school.Name, cmd.IsPilot ?? school.IsPilot, cmd.RolloutPhase ?? school.RolloutPhase, ct);
        }
        catch (MySqlException e) when (Db.IsDuplicateKey(e))
        {
            return Failure.Conflict("school.exists", "该镇街已有同名学校");
        }
        var what = string.Join(',', new[] { cmd.Name is null ? null : "name", cmd.IsPilot is null ? null : $"pilot={cmd.IsPilot}", cmd.RolloutPhase is null ? null : $"phase={cmd.RolloutPhase}" }.OfType<string>());
        await AuditAsync(conn, tx, actorId, "school", schoolId, $"update {what}", ct);
        await tx.CommitAsync(ct);
        return schoolId;
    }

    // ------------------------------------------------------------------ units and liaisons

    public async Task<Outcome<IReadOnlyList<AdminUnitRow>>> UnitsAsync(long actorId, string? lineCode, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin)
        {
            // A liaison sees the units of their own line.
            if (actor.LiaisonLines.Count == 0) return AdminOnly;
            lineCode ??= actor.LiaisonLines.Order(StringComparer.Ordinal).First();
            if (!actor.LiaisonLines.Contains(lineCode)) return NotYourDepartment;
        }
        return Ok(await org.UnitsAsync(conn, null, lineCode, ct));
    }

    public async Task<Outcome<long>> CreateUnitAsync(long actorId, CreateUnitCommand cmd, CancellationToken ct)
    {
        if (AdminValidation.First(AdminValidation.Name(cmd.Name, "unit.name_invalid", "单位名称", 100)) is { } bad) return bad;
        if (string.IsNullOrWhiteSpace(cmd.LineCode) || cmd.Level is null) return Failure.Invalid("unit.line_invalid", "请指定条线和层级");
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        if (!await org.LineExistsAsync(conn, cmd.LineCode, ct)) return Failure.Invalid("unit.line_invalid", "条线不存在");
        var wanted = cmd.Level switch { UnitLevel.Town => RegionLevel.Town, UnitLevel.District => RegionLevel.District, _ => RegionLevel.City };
        if (await org.RegionAsync(conn, null, cmd.RegionId, ct) is not { } region || region.Level != wanted)
            return Failure.Invalid("unit.region_invalid", "所属区域不存在或与单位层级不符");
        await using var tx = await conn.BeginTransactionAsync(ct);
        long id;
        try
        {
            id = await org.InsertUnitAsync(conn, tx, cmd.LineCode, cmd.Level.Value, cmd.RegionId, cmd.Name!.Trim(), ct);
        }
        catch (MySqlException e) when (Db.IsDuplicateKey(e))
        {
            return Failure.Conflict("unit.exists", "该区域已有同名单位");
        }
        await AuditAsync(conn, tx, actorId, "unit", id, "create", ct);
        await tx.CommitAsync(ct);
        return id;
    }

    public async Task<Outcome<long>> RenameUnitAsync(long actorId, long unitId, string? name, CancellationToken ct)
    {
        if (AdminValidation.First(AdminValidation.Name(name, "unit.name_invalid", "单位名称", 100)) is { } bad) return bad;
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.UnitAsync(conn, tx, unitId, ct) is null) return UnitNotFound;
        try
        {
            await org.RenameUnitAsync(conn, tx, unitId, name!.Trim(), ct);
        }
        catch (MySqlException e) when (Db.IsDuplicateKey(e))
        {
            return Failure.Conflict("unit.exists", "该区域已有同名单位");
        }
        await AuditAsync(conn, tx, actorId, "unit", unitId, "rename", ct);
        await tx.CommitAsync(ct);
        return unitId;
    }

    /// <summary>
    /// Opens (or reopens) the account of a department's one liaison and makes it the unit's liaison
    /// and a handler there; whoever held the role before loses it (their account stays).
    /// </summary>
    public async Task<Outcome<long>> SetLiaisonAsync(long actorId, long unitId, LiaisonCommand cmd, CancellationToken ct)
    {
        if (AdminValidation.First(AdminValidation.DingTalkUserId(cmd.DingTalkUserId), AdminValidation.Name(cmd.Name, "user.name_invalid", "姓名"), AdminValidation.Mobile(cmd.Mobile)) is { } bad)
            return bad;
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        return await Db.RetryOnDeadlockAsync(async () =>
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            if (await org.AdminUnitAsync(conn, tx, unitId, ct) is not { } unit) return (Outcome<long>)UnitNotFound;
            if (unit.Level != UnitLevel.District || unit.IsTaskForceOffice)
                return Failure.Invalid("unit.not_department", "联络员只设在区级部门");
            var userId = await org.UpsertActiveUserAsync(conn, tx, cmd.DingTalkUserId!, null, cmd.Name!.Trim(), cmd.Mobile, ct);
            await org.RemoveLiaisonAsync(conn, tx, unitId, ct);
            await org.AddMembershipAsync(conn, tx, userId, Role.Liaison, ct, unitId: unitId);
            await org.AddMembershipAsync(conn, tx, userId, Role.Handler, ct, unitId: unitId);
            await AuditAsync(conn, tx, actorId, "unit", unitId, $"liaison user={userId}", ct);
            await tx.CommitAsync(ct);
            return userId;
        });
    }

    /// <summary>
    /// Where a work-list item escalates when its line has no unit at the next tier (the towns' own items 19–22): a district
    /// or city unit, or none (then the district task force office, where there is one). Open clues follow at once.
    /// </summary>
    public async Task<Outcome<int>> SetEscalationUnitAsync(long actorId, int itemNo, long? unitId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.ItemAsync(conn, tx, itemNo, ct) is not { Hazard: true })
            return Failure.NotFound("worklist.item_not_found", "工作清单中没有这个隐患类别");
        if (unitId is { } id)
        {
            if (await org.UnitAsync(conn, tx, id, ct) is not { } unit) return UnitNotFound;
            if (unit.Level is not (UnitLevel.District or UnitLevel.City))
                return Failure.Invalid("worklist.escalation_unit_level", "上报单位应为区级或市级单位");
        }
        await org.SetEscalationUnitAsync(conn, tx, itemNo, unitId, ct);
        await AuditAsync(conn, tx, actorId, "worklist_item", itemNo, unitId is { } u ? $"escalation unit={u}" : "escalation unit=default", ct);
        await tx.CommitAsync(ct);
        return itemNo;
    }

    // ------------------------------------------------------------------ accounts

    /// <summary>The accounts of a unit (the admin any unit, a liaison the units of their line).</summary>
    public async Task<Outcome<IReadOnlyList<AccountRow>>> AccountsAsync(long actorId, long unitId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin && actor.LiaisonLines.Count == 0) return AdminOnly;
        if (await org.UnitAsync(conn, null, unitId, ct) is not { } unit) return UnitNotFound;
        if (!AdminPermissions.CanManageUnit(actor, unit.LineCode, unit.Level)) return NotYourDepartment;
        return Ok(await org.UnitAccountsAsync(conn, unitId, ct));
    }

    public async Task<Outcome<long>> CreateAccountAsync(long actorId, AccountCommand cmd, CancellationToken ct)
    {
        if (AdminValidation.First(AdminValidation.DingTalkUserId(cmd.DingTalkUserId), AdminValidation.Name(cmd.Name, "user.name_invalid", "姓名"), AdminValidation.Mobile(cmd.Mobile), AdminValidation.Grants(cmd.Memberships)) is { } bad)
            return bad;
        if (cmd.Memberships is not { Count: > 0 }) return Failure.Invalid("user.roles_invalid", "请至少指定一个角色");
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin && actor.LiaisonLines.Count == 0) return AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await CheckGrantsAsync(conn, tx, actor, cmd.Memberships, ct) is { } refused) return refused;
        long id;
        try
        {
            id = await org.InsertUserAsync(conn, tx, cmd.DingTalkUserId!, cmd.Name!.Trim(), cmd.Mobile, ct);
        }
        catch (MySqlException e) when (Db.IsDuplicateKey(e))
        {
            return Failure.Conflict("user.exists", "该钉钉用户已有账号，请修改原账号");
        }
        foreach (var g in cmd.Memberships)
            await org.AddMembershipAsync(conn, tx, id, g.Role, ct, unitId: g.UnitId, schoolId: g.SchoolId);
        await AuditAsync(conn, tx, actorId, "user", id, $"create roles={Describe(cmd.Memberships)}", ct);
        await tx.CommitAsync(ct);
        return id;
    }

    /// <summary>
    /// Changes an account: name, phone, and (if given) its handler/head/reporter roles within what the
    /// actor manages — a liaison replaces only the roles in units of their line.
    /// </summary>
    public async Task<Outcome<long>> UpdateAccountAsync(long actorId, long userId, AccountCommand cmd, CancellationToken ct)
    {
        if (AdminValidation.First((cmd.Name is null ? null : AdminValidation.Name(cmd.Name, "user.name_invalid", "姓名")), AdminValidation.Mobile(cmd.Mobile), AdminValidation.Grants(cmd.Memberships)) is { } bad)
            return bad;
        if (cmd.DingTalkUserId is not null) return Failure.Invalid("user.dingtalk_id_fixed", "钉钉用户 ID 不能修改");
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin && actor.LiaisonLines.Count == 0) return AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.UserAsync(conn, tx, userId, ct) is not { } user) return UserNotFound;
        if (cmd.Memberships is not null && userId == actorId && !actor.IsEduAdmin)
            return Failure.Forbidden("不能为自己分配角色，请联系区教育局管理员");
        var current = await org.AccountMembershipsAsync(conn, tx, userId, ct);
        if (!AdminPermissions.CanManageAccount(actor, current)) return NotYourDepartment;
        if (cmd.Memberships is not null)
        {
            if (await CheckGrantsAsync(conn, tx, actor, cmd.Memberships, ct) is { } refused) return refused;
            var mine = current.Where(m => m.Role is Role.Handler or Role.UnitHead && m.LineCode is not null && AdminPermissions.CanManageLine(actor, m.LineCode))
                .Select(m => m.UnitId).Distinct().ToList();
            await org.DeleteUnitMembershipsAsync(conn, tx, userId, AdminPermissions.UnitRoles, mine, ct);
            if (actor.IsEduAdmin)
                await org.DeleteSchoolMembershipsAsync(conn, tx, userId, Role.Reporter, current.Where(m => m.Role == Role.Reporter).Select(m => m.SchoolId).ToList(), ct);
            foreach (var g in cmd.Memberships)
                await org.AddMembershipAsync(conn, tx, userId, g.Role, ct, unitId: g.UnitId, schoolId: g.SchoolId);
        }
        await org.UpdateUserAsync(conn, tx, userId, cmd.Name?.Trim() ?? user.Name, cmd.Mobile ?? user.Mobile, ct);
        await AuditAsync(conn, tx, actorId, "user", userId, cmd.Memberships is null ? "update" : $"update roles={Describe(cmd.Memberships)}", ct);
        await tx.CommitAsync(ct);
        return userId;
    }

    public async Task<Outcome<long>> SetAccountActiveAsync(long actorId, long userId, bool active, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin && actor.LiaisonLines.Count == 0) return AdminOnly;
        if (userId == actorId && !active) return Failure.Invalid("user.self_deactivate", "不能停用自己的账号");
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.UserAsync(conn, tx, userId, ct) is null) return UserNotFound;
        if (!AdminPermissions.CanManageAccount(actor, await org.AccountMembershipsAsync(conn, tx, userId, ct))) return NotYourDepartment;
        if (active) await org.SetUserActiveAsync(conn, tx, userId, true, ct);
        else await departures.DeactivateAsync(conn, tx, userId, DeactivatedBy.Admin, ct);   // their open clues go before their unit heads
        await AuditAsync(conn, tx, actorId, "user", userId, active ? "activate" : "deactivate", ct);
        await tx.CommitAsync(ct);
        return userId;
    }

    // ------------------------------------------------------------------ work groups

    /// <summary>Names the school's two co-leaders (a grid instructor and a school leader), replacing the previous ones.</summary>
    public async Task<Outcome<long>> SetCoLeadersAsync(long actorId, long schoolId, CoLeadersCommand cmd, CancellationToken ct)
    {
        if (cmd.GridInstructorUserId <= 0 || cmd.SchoolLeaderUserId <= 0 || cmd.GridInstructorUserId == cmd.SchoolLeaderUserId)
            return Failure.Invalid("work_group.co_leaders_invalid", "双组长应为两位不同的人员：网格指导员和校级领导");
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.SchoolAsync(conn, tx, schoolId, ct) is null) return SchoolNotFound;
        foreach (var id in new[] { cmd.GridInstructorUserId, cmd.SchoolLeaderUserId })
            if (await org.UserAsync(conn, tx, id, ct) is not { Active: true }) return Failure.Invalid("work_group.user_invalid", "所选人员不存在或已停用");
        await org.RemoveCoLeadersAsync(conn, tx, schoolId, ct);
        await org.AddMembershipAsync(conn, tx, cmd.GridInstructorUserId, Role.CoLeader, ct, schoolId: schoolId, title: "GridInstructor");
        await org.AddMembershipAsync(conn, tx, cmd.SchoolLeaderUserId, Role.CoLeader, ct, schoolId: schoolId, title: "SchoolLeader");
        await AuditAsync(conn, tx, actorId, "school", schoolId, $"co-leaders grid={cmd.GridInstructorUserId} leader={cmd.SchoolLeaderUserId}", ct);
        await tx.CommitAsync(ct);
        return schoolId;
    }

    /// <summary>Renames the school's work group and binds (or, with no id, unbinds) its DingTalk group chat.</summary>
    public async Task<Outcome<long>> UpdateWorkGroupAsync(long actorId, long schoolId, WorkGroupCommand cmd, CancellationToken ct)
    {
        if (AdminValidation.First((cmd.Name is null ? null : AdminValidation.Name(cmd.Name, "work_group.name_invalid", "工作组名称", 100)), AdminValidation.Conversation(cmd.OpenConversationId)) is { } bad)
            return bad;
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin) return AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.SchoolAsync(conn, tx, schoolId, ct) is not { } school) return SchoolNotFound;
        var group = await org.WorkGroupAsync(conn, tx, schoolId, ct);
        var groupId = group?.Id ?? await org.UpsertWorkGroupAsync(conn, tx, schoolId, $"{school.Name}护校安园工作组", null, ct);
        if (cmd.OpenConversationId is not null && await org.ConversationTakenAsync(conn, tx, groupId, cmd.OpenConversationId, ct))
            return Failure.Conflict("work_group.conversation_taken", "该群已绑定其他学校的工作组");
        try
        {
            await org.UpdateWorkGroupAsync(conn, tx, groupId, cmd.Name?.Trim() ?? group?.Name ?? $"{school.Name}护校安园工作组", cmd.OpenConversationId, ct);
        }
        catch (MySqlException e) when (Db.IsDuplicateKey(e))
        {
            // Bound to another school by a concurrent request after the check above (the unique key decides).
            return Failure.Conflict("work_group.conversation_taken", "该群已绑定其他学校的工作组");
        }
        await AuditAsync(conn, tx, actorId, "work_group", groupId, cmd.OpenConversationId is null ? "update chat=unbound" : "update chat=bound", ct);
        await tx.CommitAsync(ct);
        return groupId;
    }

    /// <summary>Adds a unit's staff member to the school's work group for the unit's line (the admin, or the line's liaison).</summary>
    public async Task<Outcome<long>> AddWorkGroupMemberAsync(long actorId, long schoolId, WorkGroupMemberCommand cmd, CancellationToken ct)
    {
        if (cmd.UserId <= 0 || cmd.UnitId <= 0) return Failure.Invalid("work_group.member_invalid", "请指定成员和所在单位");
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin && actor.LiaisonLines.Count == 0) return AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.SchoolAsync(conn, tx, schoolId, ct) is not { } school) return SchoolNotFound;
        if (await org.UnitAsync(conn, tx, cmd.UnitId, ct) is not { } unit) return UnitNotFound;
        if (!AdminPermissions.CanManageLine(actor, unit.LineCode)) return NotYourDepartment;
        var staff = await org.AccountMembershipsAsync(conn, tx, cmd.UserId, ct);
        if (await org.UserAsync(conn, tx, cmd.UserId, ct) is not { Active: true } || !staff.Any(m => m.UnitId == cmd.UnitId && m.Role is Role.Handler or Role.UnitHead or Role.Liaison))
            return Failure.Invalid("work_group.member_invalid", "该人员不是所选单位的在岗工作人员");
        var groupId = (await org.WorkGroupAsync(conn, tx, schoolId, ct))?.Id ?? await org.UpsertWorkGroupAsync(conn, tx, schoolId, $"{school.Name}护校安园工作组", null, ct);
        await org.AddWorkGroupMemberAsync(conn, tx, groupId, unit.LineCode, cmd.UserId, cmd.UnitId, ct);
        await AuditAsync(conn, tx, actorId, "work_group", groupId, $"member add line={unit.LineCode} user={cmd.UserId}", ct);
        await tx.CommitAsync(ct);
        return groupId;
    }

    public async Task<Outcome<long>> RemoveWorkGroupMemberAsync(long actorId, long schoolId, string lineCode, long userId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!AdminPermissions.CanManageLine(actor, lineCode)) return actor.IsEduAdmin || actor.LiaisonLines.Count > 0 ? NotYourDepartment : AdminOnly;
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await org.WorkGroupAsync(conn, tx, schoolId, ct) is not { } group) return SchoolNotFound;
        if (await org.RemoveWorkGroupMemberAsync(conn, tx, group.Id, lineCode, userId, ct) == 0)
            return Failure.NotFound("work_group.member_not_found", "工作组中没有该成员");
        await AuditAsync(conn, tx, actorId, "work_group", group.Id, $"member remove line={lineCode} user={userId}", ct);
        await tx.CommitAsync(ct);
        return group.Id;
    }

    // ------------------------------------------------------------------ the gate sign

    /// <summary>
    /// The gate sign (公示牌) of a school, for the admin, the school's staff and its work group's
    /// members. Phone numbers are masked by the caller's contract.
    /// </summary>
    public async Task<Outcome<SignRow>> SignAsync(long actorId, long schoolId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (await org.SignAsync(conn, schoolId, ct) is not { } sign) return SchoolNotFound;
        var allowed = actor.IsEduAdmin || actor.SchoolStaffSchools.Contains(schoolId) || sign.Members.Any(m => m.UserId == actorId);
        return allowed ? sign : Failure.Forbidden("只能查看本校的公示牌");
    }

    // ------------------------------------------------------------------ helpers

    private async Task<Failure?> CheckGrantsAsync(MySqlConnection conn, MySqlTransaction tx, Actor actor, IReadOnlyList<MembershipGrant> grants, CancellationToken ct)
    {
        foreach (var g in grants)
        {
            string? line = null;
            UnitLevel? level = null;
            if (g.UnitId != 0)
            {
                if (await org.UnitAsync(conn, tx, g.UnitId, ct) is not { } unit) return Failure.Invalid("user.unit_invalid", "所选单位不存在");
                (line, level) = (unit.LineCode, unit.Level);
            }
            else if (await org.SchoolAsync(conn, tx, g.SchoolId, ct) is null)
                return Failure.Invalid("user.school_invalid", "所选学校不存在");
            if (!AdminPermissions.CanGrant(actor, g, line, level)) return NotYourDepartment;
        }
        return null;
    }

    private static string Describe(IReadOnlyList<MembershipGrant> grants) =>
        string.Join(';', grants.Select(g => g.UnitId != 0 ? $"{g.Role}@unit{g.UnitId}" : $"{g.Role}@school{g.SchoolId}"));

    private Task AuditAsync(MySqlConnection conn, MySqlTransaction tx, long actorId, string subjectType, long subjectId, string detail, CancellationToken ct) =>
        audit.RecordAsync(conn, tx, [new AuditEntry(actorId, AuditAction.AdminChange, subjectType, subjectId.ToString(), detail)], ct);

    private static Outcome<T> Ok<T>(T value) => value;

    private static readonly Failure SchoolNotFound = Failure.NotFound("school.not_found", "学校不存在");
    private static readonly Failure UnitNotFound = Failure.NotFound("unit.not_found", "单位不存在");
    private static readonly Failure UserNotFound = Failure.NotFound("user.not_found", "账号不存在");
}
