using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Organisation;

/// <summary>All SQL of the organisation: regions, schools, units, users, memberships, work groups, the work list.</summary>
public sealed partial class OrganisationStore(TimeProvider clock)
{
    // ---- reads used by the clue lifecycle (inside its transaction) ----

    private const string MembershipsSql = $"""
        SELECT m.user_id AS {nameof(MembershipRow.UserId)}, m.role AS {nameof(MembershipRow.Role)},
               m.unit_id AS {nameof(MembershipRow.UnitId)}, m.school_id AS {nameof(MembershipRow.SchoolId)},
               m.title AS {nameof(MembershipRow.Title)}, u.line_code AS {nameof(MembershipRow.UnitLineCode)},
               us.name AS {nameof(MembershipRow.UserName)}, s.town_id AS {nameof(MembershipRow.SchoolTownId)}
          FROM memberships m
          JOIN users us ON us.id = m.user_id AND us.active = 1
          LEFT JOIN units u ON u.id = m.unit_id
          LEFT JOIN schools s ON s.id = m.school_id
         WHERE m.user_id = @UserId
        """;

    /// <summary>An active user's memberships; none for an unknown or deactivated user.</summary>
    public async Task<IReadOnlyList<MembershipRow>> MembershipsAsync(MySqlConnection conn, MySqlTransaction? tx, long userId, CancellationToken ct) =>
        (await conn.QueryAsync<MembershipRow>(new CommandDefinition(MembershipsSql, new { UserId = userId }, tx, cancellationToken: ct))).AsList();

    private const string ReporterContextSql = $"""
        {MembershipsSql};
        SELECT g.school_id AS {nameof(SchoolMemberRow.SchoolId)}, m.user_id AS {nameof(SchoolMemberRow.UserId)},
               m.unit_id AS {nameof(SchoolMemberRow.UnitId)}
          FROM work_group_members m
          JOIN work_groups g ON g.id = m.work_group_id
          JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE m.line_code = @LineCode
           AND g.school_id IN (SELECT school_id FROM memberships WHERE user_id = @UserId AND role IN ('Reporter', 'CoLeader'))
         ORDER BY m.user_id
        """;

    /// <summary>
    /// What a report needs to know about its reporter, in one round trip: their memberships, and for
    /// each of their schools the work-group members of the line. (The co-leaders, needed only when a line
    /// has no member there, come from <see cref="SchoolRoleUsersAsync"/>.)
    /// </summary>
    public async Task<ReporterContext> ReporterContextAsync(MySqlConnection conn, MySqlTransaction? tx, long userId, string lineCode, CancellationToken ct)
    {
        using var results = await conn.QueryMultipleAsync(new CommandDefinition(ReporterContextSql, new { UserId = userId, LineCode = lineCode }, tx, cancellationToken: ct));
        var memberships = (await results.ReadAsync<MembershipRow>()).AsList();
        var members = (await results.ReadAsync<SchoolMemberRow>()).AsList();
        return new ReporterContext(memberships, members);
    }

    private const string ItemSql = $"""
        SELECT no AS {nameof(WorklistItemRow.No)}, owner_line AS {nameof(WorklistItemRow.OwnerLine)},
               hazard AS {nameof(WorklistItemRow.Hazard)}, label AS {nameof(WorklistItemRow.Label)},
               escalation_unit_id AS {nameof(WorklistItemRow.EscalationUnitId)}
          FROM worklist_items
         WHERE no = @No
        """;

    public Task<WorklistItemRow?> ItemAsync(MySqlConnection conn, MySqlTransaction? tx, int no, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<WorklistItemRow>(new CommandDefinition(ItemSql, new { No = no }, tx, cancellationToken: ct));

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, (WorklistItemRow? Row, DateTimeOffset At)> items = new();

    /// <summary>
    /// <see cref="ItemAsync"/> kept for a minute: an item's number, line and hazard flag ship with the
    /// product and do not change at run time (the escalation unit may; read it with <see cref="ItemAsync"/>).
    /// </summary>
    public async Task<WorklistItemRow?> CachedItemAsync(MySqlConnection conn, MySqlTransaction? tx, int no, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (items.TryGetValue(no, out var hit) && now - hit.At < TimeSpan.FromMinutes(1)) return hit.Row;
        var row = await ItemAsync(conn, tx, no, ct);
        items[no] = (row, now);
        return row;
    }

    private const string SchoolSql = $"""
        SELECT id AS {nameof(SchoolRow.Id)}, town_id AS {nameof(SchoolRow.TownId)}, name AS {nameof(SchoolRow.Name)},
               is_pilot AS {nameof(SchoolRow.IsPilot)}, rollout_phase AS {nameof(SchoolRow.RolloutPhase)}
          FROM schools
         WHERE id = @Id
        """;

    public Task<SchoolRow?> SchoolAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<SchoolRow>(new CommandDefinition(SchoolSql, new { Id = id }, tx, cancellationToken: ct));

    private const string UnitSql = $"""
        SELECT id AS {nameof(UnitRow.Id)}, line_code AS {nameof(UnitRow.LineCode)}, level AS {nameof(UnitRow.Level)},
               region_id AS {nameof(UnitRow.RegionId)}, name AS {nameof(UnitRow.Name)}
          FROM units
         WHERE id = @Id
        """;

    public Task<UnitRow?> UnitAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<UnitRow>(new CommandDefinition(UnitSql, new { Id = id }, tx, cancellationToken: ct));

    private const string UnitOfLineSql = """
        SELECT id
          FROM units
         WHERE line_code = @LineCode AND level = @Level AND is_task_force_office = 0
         ORDER BY id
         LIMIT 1
        """;

    /// <summary>The unit of a line at the district or city level (one district, one city), if there is one.</summary>
    public Task<long?> UnitOfLineAsync(MySqlConnection conn, MySqlTransaction? tx, string lineCode, UnitLevel level, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(UnitOfLineSql, new { LineCode = lineCode, Level = level.ToString() }, tx, cancellationToken: ct));

    private const string TaskForceOfficeSql = """
        SELECT id
          FROM units
         WHERE is_task_force_office = 1 AND level = 'District'
         ORDER BY id
         LIMIT 1
        """;

    /// <summary>The district task force office at the Education Bureau (the default escalation unit of a line with no district department).</summary>
    public Task<long?> TaskForceOfficeAsync(MySqlConnection conn, MySqlTransaction? tx, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(TaskForceOfficeSql, transaction: tx, cancellationToken: ct));

    private const string WorkGroupMembersSql = $"""
        SELECT m.user_id AS {nameof(WorkGroupMemberRow.UserId)}, m.unit_id AS {nameof(WorkGroupMemberRow.UnitId)}
          FROM work_group_members m
          JOIN work_groups g ON g.id = m.work_group_id
          JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE g.school_id = @SchoolId AND m.line_code = @LineCode
         ORDER BY m.user_id
        """;

    /// <summary>The active work-group members of one line at a school: the first handlers of that line's clues.</summary>
    public async Task<IReadOnlyList<WorkGroupMemberRow>> WorkGroupMembersAsync(MySqlConnection conn, MySqlTransaction? tx, long schoolId, string lineCode, CancellationToken ct) =>
        (await conn.QueryAsync<WorkGroupMemberRow>(new CommandDefinition(WorkGroupMembersSql, new { SchoolId = schoolId, LineCode = lineCode }, tx, cancellationToken: ct))).AsList();

    private const string SchoolRoleUsersSql = """
        SELECT m.user_id
          FROM memberships m
          JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE m.school_id = @SchoolId AND m.role = @Role
         ORDER BY m.user_id
        """;

    /// <summary>Active users holding a school-scoped role (the co-leaders, the school's reporters).</summary>
    public async Task<IReadOnlyList<long>> SchoolRoleUsersAsync(MySqlConnection conn, MySqlTransaction? tx, long schoolId, Role role, CancellationToken ct) =>
        (await conn.QueryAsync<long>(new CommandDefinition(SchoolRoleUsersSql, new { SchoolId = schoolId, Role = role.ToString() }, tx, cancellationToken: ct))).AsList();

    private const string UnitRoleUsersSql = """
        SELECT DISTINCT m.user_id
          FROM memberships m
          JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE m.unit_id = @UnitId AND m.role IN @Roles
         ORDER BY m.user_id
        """;

    /// <summary>Active users of a unit holding any of the roles.</summary>
    public async Task<IReadOnlyList<long>> UnitRoleUsersAsync(MySqlConnection conn, MySqlTransaction? tx, long unitId, Role[] roles, CancellationToken ct) =>
        (await conn.QueryAsync<long>(new CommandDefinition(UnitRoleUsersSql, new { UnitId = unitId, Roles = roles.Select(r => r.ToString()).ToArray() }, tx, cancellationToken: ct))).AsList();

    /// <summary>The active handlers and heads of a unit: who may take up its clues.</summary>
    public Task<IReadOnlyList<long>> UnitStaffAsync(MySqlConnection conn, MySqlTransaction? tx, long unitId, CancellationToken ct) =>
        UnitRoleUsersAsync(conn, tx, unitId, [Role.Handler, Role.UnitHead], ct);

    private const string UserLabelSql = "SELECT name FROM users WHERE id = @Id";

    public async Task<string> UserNameAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct) =>
        await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(UserLabelSql, new { Id = id }, tx, cancellationToken: ct)) ?? $"#{id}";

    // ---- writes (administration, the demo district, tests); each is idempotent on its natural key ----

    private const string UpsertRegionSql = """
        INSERT INTO regions (parent_id, level, name, town_kind) VALUES (@ParentId, @Level, @Name, @TownKind)
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), level = VALUES(level), town_kind = VALUES(town_kind)
        """;

    public Task<long> UpsertRegionAsync(MySqlConnection conn, MySqlTransaction? tx, long? parentId, RegionLevel level, string name, string? townKind, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, UpsertRegionSql, new { ParentId = parentId, Level = level.ToString(), Name = name, TownKind = townKind }, ct);

    private const string FindRootRegionSql = "SELECT id FROM regions WHERE parent_id IS NULL AND name = @Name";

    /// <summary>A root region (the city): NULL parents never collide in a unique key, so look it up first.</summary>
    public async Task<long> UpsertRootRegionAsync(MySqlConnection conn, MySqlTransaction? tx, string name, CancellationToken ct) =>
        await conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(FindRootRegionSql, new { Name = name }, tx, cancellationToken: ct))
        ?? await UpsertRegionAsync(conn, tx, null, RegionLevel.City, name, null, ct);

    private const string UpsertSchoolSql = """
        INSERT INTO schools (town_id, name, is_pilot, rollout_phase) VALUES (@TownId, @Name, @IsPilot, @RolloutPhase)
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), is_pilot = VALUES(is_pilot), rollout_phase = VALUES(rollout_phase)
        """;

    public Task<long> UpsertSchoolAsync(MySqlConnection conn, MySqlTransaction? tx, long townId, string name, bool isPilot, int rolloutPhase, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, UpsertSchoolSql, new { TownId = townId, Name = name, IsPilot = isPilot, RolloutPhase = rolloutPhase }, ct);

    private const string UpsertUnitSql = """
        INSERT INTO units (line_code, level, region_id, name, is_task_force_office)
        VALUES (@LineCode, @Level, @RegionId, @Name, @IsTaskForceOffice)
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)
        """;

    public Task<long> UpsertUnitAsync(MySqlConnection conn, MySqlTransaction? tx, string lineCode, UnitLevel level, long regionId, string name, CancellationToken ct, bool isTaskForceOffice = false) =>
        InsertReturningIdAsync(conn, tx, UpsertUnitSql, new { LineCode = lineCode, Level = level.ToString(), RegionId = regionId, Name = name, IsTaskForceOffice = isTaskForceOffice }, ct);

    private const string UpsertUserSql = """
        INSERT INTO users (dingtalk_user_id, union_id, name, mobile, active, created_at, updated_at)
        VALUES (@DingTalkUserId, @UnionId, @Name, @Mobile, 1, @Now, @Now)
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), union_id = VALUES(union_id), name = VALUES(name),
                                mobile = VALUES(mobile), updated_at = IF(name <=> VALUES(name) AND mobile <=> VALUES(mobile), updated_at, VALUES(updated_at))
        """;

    public Task<long> UpsertUserAsync(MySqlConnection conn, MySqlTransaction? tx, string dingTalkUserId, string? unionId, string name, string? mobile, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, UpsertUserSql, new { DingTalkUserId = dingTalkUserId, UnionId = unionId, Name = name, Mobile = mobile, Now = clock.GetUtcNow().UtcDateTime }, ct);

    private const string SetUserActiveSql = "UPDATE users SET active = @Active, deactivated_by = @By, updated_at = @Now WHERE id = @Id";

    /// <summary>Activates, or deactivates saying who did (<paramref name="by"/>): DingTalk rejoining undoes only DingTalk's.</summary>
    public Task<int> SetUserActiveAsync(MySqlConnection conn, MySqlTransaction? tx, long userId, bool active, CancellationToken ct, DeactivatedBy by = DeactivatedBy.Admin) =>
        conn.ExecuteAsync(new CommandDefinition(SetUserActiveSql,
            new { Id = userId, Active = active, By = active ? null : by.Code(), Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));

    private const string AddMembershipSql = """
        INSERT IGNORE INTO memberships (user_id, role, unit_id, school_id, title, created_at)
        VALUES (@UserId, @Role, @UnitId, @SchoolId, @Title, @Now)
        """;

    /// <summary>Grants a role; granting it again changes nothing. Returns false when it was already there.</summary>
    public async Task<bool> AddMembershipAsync(MySqlConnection conn, MySqlTransaction? tx, long userId, Role role, CancellationToken ct,
        long unitId = 0, long schoolId = 0, string? title = null) =>
        await conn.ExecuteAsync(new CommandDefinition(AddMembershipSql,
            new { UserId = userId, Role = role.ToString(), UnitId = unitId, SchoolId = schoolId, Title = title, Now = clock.GetUtcNow().UtcDateTime },
            tx, cancellationToken: ct)) == 1;

    private const string UpsertWorkGroupSql = """
        INSERT INTO work_groups (school_id, name, open_conversation_id) VALUES (@SchoolId, @Name, @OpenConversationId)
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)
        """;

    public Task<long> UpsertWorkGroupAsync(MySqlConnection conn, MySqlTransaction? tx, long schoolId, string name, string? openConversationId, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, UpsertWorkGroupSql, new { SchoolId = schoolId, Name = name, OpenConversationId = openConversationId }, ct);

    private const string AddWorkGroupMemberSql = """
        INSERT IGNORE INTO work_group_members (work_group_id, line_code, user_id, unit_id)
        VALUES (@WorkGroupId, @LineCode, @UserId, @UnitId)
        """;

    public Task<int> AddWorkGroupMemberAsync(MySqlConnection conn, MySqlTransaction? tx, long workGroupId, string lineCode, long userId, long unitId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(AddWorkGroupMemberSql, new { WorkGroupId = workGroupId, LineCode = lineCode, UserId = userId, UnitId = unitId }, tx, cancellationToken: ct));

    private const string SetEscalationUnitSql = "UPDATE worklist_items SET escalation_unit_id = @UnitId WHERE no = @No";

    /// <summary>Where clues of an item escalate when their line has no unit at the next tier (null: escalation not offered).</summary>
    public Task<int> SetEscalationUnitAsync(MySqlConnection conn, MySqlTransaction? tx, int itemNo, long? unitId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(SetEscalationUnitSql, new { No = itemNo, UnitId = unitId }, tx, cancellationToken: ct));

    private static async Task<long> InsertReturningIdAsync(MySqlConnection conn, MySqlTransaction? tx, string sql, object args, CancellationToken ct)
    {
        await conn.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct));
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT LAST_INSERT_ID()", transaction: tx, cancellationToken: ct));
    }
}
