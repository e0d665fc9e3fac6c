using Dapper;
using MySqlConnector;
using SchoolSafety.Core.Administration;

namespace SchoolSafety.Core.Organisation;

public sealed record AdminSchoolRow
{
    public long Id { get; init; }
    public long TownId { get; init; }
    public string TownName { get; init; } = "";
    public string Name { get; init; } = "";
    public bool IsPilot { get; init; }
    public int RolloutPhase { get; init; }
    public bool Active { get; init; }
}

public sealed record AdminUnitRow
{
    public long Id { get; init; }
    public string LineCode { get; init; } = "";
    public UnitLevel Level { get; init; }
    public long RegionId { get; init; }
    public string Name { get; init; } = "";
    public bool IsTaskForceOffice { get; init; }
    public long? LiaisonUserId { get; init; }
}

public sealed record RegionRow
{
    public long Id { get; init; }
    public long? ParentId { get; init; }
    public RegionLevel Level { get; init; }
    public string Name { get; init; } = "";
}

/// <summary>An account as its department's liaison sees it (one row per role in the unit).</summary>
public sealed record AccountRow
{
    public long Id { get; init; }
    public string DingTalkUserId { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Mobile { get; init; }
    public bool Active { get; init; }
    public Role Role { get; init; }
}

public sealed record WorkGroupRow
{
    public long Id { get; init; }
    public long SchoolId { get; init; }
    public string Name { get; init; } = "";
    public string? OpenConversationId { get; init; }
}

/// <summary>A person on the gate sign: a co-leader (title) or a work-group member (line and unit).</summary>
public sealed record SignPersonRow
{
    public string? Title { get; init; }
    public string? LineCode { get; init; }
    public string? LineName { get; init; }
    public string? UnitName { get; init; }
    public long UserId { get; init; }
    public string Name { get; init; } = "";
    public string? Mobile { get; init; }
}

public sealed record SignRow(SchoolRow School, WorkGroupRow? WorkGroup, IReadOnlyList<SignPersonRow> CoLeaders, IReadOnlyList<SignPersonRow> Members);

/// <summary>Administration (issue 5 §6): schools, units, accounts, liaisons, co-leaders, work groups, the gate sign.</summary>
public sealed partial class OrganisationStore
{
    private const string ActorMembershipColumns = $"""
        m.role AS {nameof(ActorMembership.Role)}, m.unit_id AS {nameof(ActorMembership.UnitId)},
        m.school_id AS {nameof(ActorMembership.SchoolId)}, m.title AS {nameof(ActorMembership.Title)},
        u.line_code AS {nameof(ActorMembership.LineCode)}, u.level AS {nameof(ActorMembership.UnitLevel)}
        """;

    private const string ActorSql = $"""
        SELECT {ActorMembershipColumns}
          FROM memberships m
          JOIN users us ON us.id = m.user_id AND us.active = 1
          LEFT JOIN units u ON u.id = m.unit_id
         WHERE m.user_id = @UserId
         ORDER BY m.id
        """;

    /// <summary>How a signed-in person stands: their memberships with unit lines and levels (none when deactivated).</summary>
    public async Task<Actor> ActorAsync(MySqlConnection conn, long userId, CancellationToken ct) =>
        new(userId, (await conn.QueryAsync<ActorMembership>(new CommandDefinition(ActorSql, new { UserId = userId }, cancellationToken: ct))).AsList());

    private const string AccountMembershipsSql = $"""
        SELECT {ActorMembershipColumns}
          FROM memberships m
          LEFT JOIN units u ON u.id = m.unit_id
         WHERE m.user_id = @UserId
         ORDER BY m.id
        """;

    /// <summary>An account's memberships whether or not it is active (what decides who may change it).</summary>
    public async Task<IReadOnlyList<ActorMembership>> AccountMembershipsAsync(MySqlConnection conn, MySqlTransaction? tx, long userId, CancellationToken ct) =>
        (await conn.QueryAsync<ActorMembership>(new CommandDefinition(AccountMembershipsSql, new { UserId = userId }, tx, cancellationToken: ct))).AsList();

    private const string UserSql = $"""
        SELECT id AS {nameof(UserRow.Id)}, dingtalk_user_id AS {nameof(UserRow.DingTalkUserId)}, union_id AS {nameof(UserRow.UnionId)},
               name AS {nameof(UserRow.Name)}, mobile AS {nameof(UserRow.Mobile)}, active AS {nameof(UserRow.Active)}
          FROM users
         WHERE id = @Id
        """;

    /// <summary>A user by id, active or not.</summary>
    public Task<UserRow?> UserAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(UserSql, new { Id = id }, tx, cancellationToken: ct));

    private const string SchoolsSql = $"""
        SELECT s.id AS {nameof(AdminSchoolRow.Id)}, s.town_id AS {nameof(AdminSchoolRow.TownId)}, r.name AS {nameof(AdminSchoolRow.TownName)},
               s.name AS {nameof(AdminSchoolRow.Name)}, s.is_pilot AS {nameof(AdminSchoolRow.IsPilot)},
               s.rollout_phase AS {nameof(AdminSchoolRow.RolloutPhase)}, s.active AS {nameof(AdminSchoolRow.Active)}
          FROM schools s
          JOIN regions r ON r.id = s.town_id
         ORDER BY s.id
        """;

    public async Task<IReadOnlyList<AdminSchoolRow>> SchoolsAsync(MySqlConnection conn, CancellationToken ct) =>
        (await conn.QueryAsync<AdminSchoolRow>(new CommandDefinition(SchoolsSql, cancellationToken: ct))).AsList();

    private const string RegionSql = $"""
        SELECT id AS {nameof(RegionRow.Id)}, parent_id AS {nameof(RegionRow.ParentId)}, level AS {nameof(RegionRow.Level)}, name AS {nameof(RegionRow.Name)}
          FROM regions
         WHERE id = @Id
        """;

    public Task<RegionRow?> RegionAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<RegionRow>(new CommandDefinition(RegionSql, new { Id = id }, tx, cancellationToken: ct));

    private const string InsertSchoolSql = """
        INSERT INTO schools (town_id, name, is_pilot, rollout_phase) VALUES (@TownId, @Name, @IsPilot, @RolloutPhase)
        """;

    /// <summary>A new school; a school of the same name in the town is a duplicate-key error.</summary>
    public Task<long> InsertSchoolAsync(MySqlConnection conn, MySqlTransaction tx, long townId, string name, bool isPilot, int rolloutPhase, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, InsertSchoolSql, new { TownId = townId, Name = name, IsPilot = isPilot, RolloutPhase = rolloutPhase }, ct);

    private const string UpdateSchoolSql = """
        UPDATE schools SET name = @Name, is_pilot = @IsPilot, rollout_phase = @RolloutPhase WHERE id = @Id
        """;

    public Task<int> UpdateSchoolAsync(MySqlConnection conn, MySqlTransaction tx, long id, string name, bool isPilot, int rolloutPhase, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(UpdateSchoolSql, new { Id = id, Name = name, IsPilot = isPilot, RolloutPhase = rolloutPhase }, tx, cancellationToken: ct));

    private const string UnitsSql = $"""
        SELECT u.id AS {nameof(AdminUnitRow.Id)}, u.line_code AS {nameof(AdminUnitRow.LineCode)}, u.level AS {nameof(AdminUnitRow.Level)},
               u.region_id AS {nameof(AdminUnitRow.RegionId)}, u.name AS {nameof(AdminUnitRow.Name)},
               u.is_task_force_office AS {nameof(AdminUnitRow.IsTaskForceOffice)}, l.user_id AS {nameof(AdminUnitRow.LiaisonUserId)}
          FROM units u
          LEFT JOIN memberships l ON l.liaison_unit_id = u.id
         WHERE (@LineCode IS NULL OR u.line_code = @LineCode)
           AND (@Id IS NULL OR u.id = @Id)
         ORDER BY u.line_code, u.level, u.id
        """;

    /// <summary>Units, all or of one line.</summary>
    public async Task<IReadOnlyList<AdminUnitRow>> UnitsAsync(MySqlConnection conn, MySqlTransaction? tx, string? lineCode, CancellationToken ct) =>
        (await conn.QueryAsync<AdminUnitRow>(new CommandDefinition(UnitsSql, new { LineCode = lineCode, Id = (long?)null }, tx, cancellationToken: ct))).AsList();

    public Task<AdminUnitRow?> AdminUnitAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<AdminUnitRow>(new CommandDefinition(UnitsSql, new { LineCode = (string?)null, Id = id }, tx, cancellationToken: ct));

    private const string LineExistsSql = "SELECT EXISTS (SELECT 1 FROM org_lines WHERE code = @Code)";

    public Task<bool> LineExistsAsync(MySqlConnection conn, string code, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(LineExistsSql, new { Code = code }, cancellationToken: ct));

    private const string InsertUnitSql = """
        INSERT INTO units (line_code, level, region_id, name, is_task_force_office) VALUES (@LineCode, @Level, @RegionId, @Name, 0)
        """;

    public Task<long> InsertUnitAsync(MySqlConnection conn, MySqlTransaction tx, string lineCode, UnitLevel level, long regionId, string name, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, InsertUnitSql, new { LineCode = lineCode, Level = level.ToString(), RegionId = regionId, Name = name }, ct);

    private const string RenameUnitSql = "UPDATE units SET name = @Name WHERE id = @Id";

    public Task<int> RenameUnitAsync(MySqlConnection conn, MySqlTransaction tx, long id, string name, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(RenameUnitSql, new { Id = id, Name = name }, tx, cancellationToken: ct));

    private const string InsertUserSql = """
        INSERT INTO users (dingtalk_user_id, union_id, name, mobile, active, created_at, updated_at)
        VALUES (@DingTalkUserId, NULL, @Name, @Mobile, 1, @Now, @Now)
        """;

    /// <summary>A new account; an existing DingTalk user id is a duplicate-key error.</summary>
    public Task<long> InsertUserAsync(MySqlConnection conn, MySqlTransaction tx, string dingTalkUserId, string name, string? mobile, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, InsertUserSql, new { DingTalkUserId = dingTalkUserId, Name = name, Mobile = mobile, Now = clock.GetUtcNow().UtcDateTime }, ct);

    private const string UpdateUserSql = "UPDATE users SET name = @Name, mobile = @Mobile, updated_at = @Now WHERE id = @Id";

    public Task<int> UpdateUserAsync(MySqlConnection conn, MySqlTransaction tx, long id, string name, string? mobile, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(UpdateUserSql, new { Id = id, Name = name, Mobile = mobile, Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));

    private const string DeleteUnitMembershipsSql = """
        DELETE FROM memberships WHERE user_id = @UserId AND role IN @Roles AND unit_id IN @UnitIds
        """;

    /// <summary>Takes the given unit roles in the given units away from a user.</summary>
    public Task<int> DeleteUnitMembershipsAsync(MySqlConnection conn, MySqlTransaction tx, long userId, IReadOnlyCollection<Role> roles, IReadOnlyCollection<long> unitIds, CancellationToken ct) =>
        unitIds.Count == 0 || roles.Count == 0 ? Task.FromResult(0)
            : conn.ExecuteAsync(new CommandDefinition(DeleteUnitMembershipsSql,
                new { UserId = userId, Roles = roles.Select(r => r.ToString()).ToArray(), UnitIds = unitIds.ToArray() }, tx, cancellationToken: ct));

    private const string DeleteSchoolMembershipsSql = "DELETE FROM memberships WHERE user_id = @UserId AND role = @Role AND school_id IN @SchoolIds";

    public Task<int> DeleteSchoolMembershipsAsync(MySqlConnection conn, MySqlTransaction tx, long userId, Role role, IReadOnlyCollection<long> schoolIds, CancellationToken ct) =>
        schoolIds.Count == 0 ? Task.FromResult(0)
            : conn.ExecuteAsync(new CommandDefinition(DeleteSchoolMembershipsSql, new { UserId = userId, Role = role.ToString(), SchoolIds = schoolIds.ToArray() }, tx, cancellationToken: ct));

    private const string UnitAccountsSql = $"""
        SELECT us.id AS {nameof(AccountRow.Id)}, us.dingtalk_user_id AS {nameof(AccountRow.DingTalkUserId)}, us.name AS {nameof(AccountRow.Name)},
               us.mobile AS {nameof(AccountRow.Mobile)}, us.active AS {nameof(AccountRow.Active)}, m.role AS {nameof(AccountRow.Role)}
          FROM memberships m
          JOIN users us ON us.id = m.user_id
         WHERE m.unit_id = @UnitId
         ORDER BY us.id, m.role
        """;

    /// <summary>The accounts of a unit, active or not, one row per role.</summary>
    public async Task<IReadOnlyList<AccountRow>> UnitAccountsAsync(MySqlConnection conn, long unitId, CancellationToken ct) =>
        (await conn.QueryAsync<AccountRow>(new CommandDefinition(UnitAccountsSql, new { UnitId = unitId }, cancellationToken: ct))).AsList();

    private const string RemoveLiaisonSql = "DELETE FROM memberships WHERE role = 'Liaison' AND unit_id = @UnitId";

    /// <summary>Takes the liaison role of a unit from whoever holds it (the DB allows one liaison per unit).</summary>
    public Task<int> RemoveLiaisonAsync(MySqlConnection conn, MySqlTransaction tx, long unitId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(RemoveLiaisonSql, new { UnitId = unitId }, tx, cancellationToken: ct));

    private const string RemoveCoLeadersSql = "DELETE FROM memberships WHERE role = 'CoLeader' AND school_id = @SchoolId";

    public Task<int> RemoveCoLeadersAsync(MySqlConnection conn, MySqlTransaction tx, long schoolId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(RemoveCoLeadersSql, new { SchoolId = schoolId }, tx, cancellationToken: ct));

    private const string WorkGroupSql = $"""
        SELECT id AS {nameof(WorkGroupRow.Id)}, school_id AS {nameof(WorkGroupRow.SchoolId)}, name AS {nameof(WorkGroupRow.Name)},
               open_conversation_id AS {nameof(WorkGroupRow.OpenConversationId)}
          FROM work_groups
         WHERE school_id = @SchoolId
        """;

    public Task<WorkGroupRow?> WorkGroupAsync(MySqlConnection conn, MySqlTransaction? tx, long schoolId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<WorkGroupRow>(new CommandDefinition(WorkGroupSql, new { SchoolId = schoolId }, tx, cancellationToken: ct));

    private const string UpdateWorkGroupSql = "UPDATE work_groups SET name = @Name, open_conversation_id = @Cid WHERE id = @Id";

    public Task<int> UpdateWorkGroupAsync(MySqlConnection conn, MySqlTransaction tx, long id, string name, string? openConversationId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(UpdateWorkGroupSql, new { Id = id, Name = name, Cid = openConversationId }, tx, cancellationToken: ct));

    private const string ConversationTakenSql = "SELECT EXISTS (SELECT 1 FROM work_groups WHERE open_conversation_id = @Cid AND id <> @Id)";

    /// <summary>Whether another work group is already bound to this chat.</summary>
    public Task<bool> ConversationTakenAsync(MySqlConnection conn, MySqlTransaction tx, long workGroupId, string openConversationId, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(ConversationTakenSql, new { Id = workGroupId, Cid = openConversationId }, tx, cancellationToken: ct));

    private const string RemoveWorkGroupMemberSql = "DELETE FROM work_group_members WHERE work_group_id = @Id AND line_code = @LineCode AND user_id = @UserId";

    public Task<int> RemoveWorkGroupMemberAsync(MySqlConnection conn, MySqlTransaction tx, long workGroupId, string lineCode, long userId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(RemoveWorkGroupMemberSql, new { Id = workGroupId, LineCode = lineCode, UserId = userId }, tx, cancellationToken: ct));

    private const string SignSql = $"""
        {SchoolSql};
        {WorkGroupSql};
        SELECT m.title AS {nameof(SignPersonRow.Title)}, us.id AS {nameof(SignPersonRow.UserId)}, us.name AS {nameof(SignPersonRow.Name)},
               us.mobile AS {nameof(SignPersonRow.Mobile)}
          FROM memberships m
          JOIN users us ON us.id = m.user_id AND us.active = 1
         WHERE m.school_id = @Id AND m.role = 'CoLeader'
         ORDER BY m.title, us.id;
        SELECT wm.line_code AS {nameof(SignPersonRow.LineCode)}, l.name_zh AS {nameof(SignPersonRow.LineName)}, un.name AS {nameof(SignPersonRow.UnitName)},
               us.id AS {nameof(SignPersonRow.UserId)}, us.name AS {nameof(SignPersonRow.Name)}, us.mobile AS {nameof(SignPersonRow.Mobile)}
          FROM work_group_members wm
          JOIN work_groups g ON g.id = wm.work_group_id
          JOIN users us ON us.id = wm.user_id AND us.active = 1
          JOIN units un ON un.id = wm.unit_id
          JOIN org_lines l ON l.code = wm.line_code
         WHERE g.school_id = @Id
         ORDER BY wm.line_code, us.id
        """;

    /// <summary>What the gate sign shows, in one round trip; null for an unknown school.</summary>
    public async Task<SignRow?> SignAsync(MySqlConnection conn, long schoolId, CancellationToken ct)
    {
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(SignSql, new { Id = schoolId, SchoolId = schoolId }, cancellationToken: ct));
        var school = await r.ReadSingleOrDefaultAsync<SchoolRow>();
        var group = await r.ReadSingleOrDefaultAsync<WorkGroupRow>();
        var coLeaders = (await r.ReadAsync<SignPersonRow>()).AsList();
        var members = (await r.ReadAsync<SignPersonRow>()).AsList();
        return school is null ? null : new SignRow(school, group, coLeaders, members);
    }
}
