using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Organisation;

/// <summary>What DingTalk's callbacks need of the organisation: users by DingTalk id, contact changes, group chats.</summary>
public sealed partial class OrganisationStore
{
    private const string ActiveUserIdSql = "SELECT id FROM users WHERE dingtalk_user_id = @DingTalkUserId AND active = 1";

    /// <summary>Our active user with this DingTalk userId; null for an unknown or deactivated one.</summary>
    public Task<long?> ActiveUserIdAsync(MySqlConnection conn, string dingTalkUserId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(ActiveUserIdSql, new { DingTalkUserId = dingTalkUserId }, cancellationToken: ct));

    private const string UsersByDingTalkIdSql = $"""
        SELECT id AS {nameof(UserRow.Id)}, dingtalk_user_id AS {nameof(UserRow.DingTalkUserId)}, union_id AS {nameof(UserRow.UnionId)},
               name AS {nameof(UserRow.Name)}, mobile AS {nameof(UserRow.Mobile)}, active AS {nameof(UserRow.Active)}
          FROM users
         WHERE dingtalk_user_id IN @Ids
         ORDER BY id
        """;

    public async Task<IReadOnlyList<UserRow>> UsersByDingTalkIdAsync(MySqlConnection conn, MySqlTransaction? tx, IReadOnlyList<string> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : (await conn.QueryAsync<UserRow>(new CommandDefinition(UsersByDingTalkIdSql, new { Ids = ids }, tx, cancellationToken: ct))).AsList();

    private const string ReactivateUserSql = """
        INSERT INTO users (dingtalk_user_id, union_id, name, mobile, active, created_at, updated_at)
        VALUES (@DingTalkUserId, @UnionId, @Name, @Mobile, 1, @Now, @Now)
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), union_id = COALESCE(VALUES(union_id), union_id), name = VALUES(name),
                                mobile = COALESCE(VALUES(mobile), mobile),
                                active = IF(deactivated_by <=> 'admin', active, 1),
                                deactivated_by = IF(deactivated_by <=> 'admin', deactivated_by, NULL),
                                updated_at = VALUES(updated_at)
        """;

    /// <summary>
    /// A person who joined or rejoined in DingTalk: created, or updated and active again (a returning leaver keeps their
    /// memberships) — unless an administrator deactivated the account here: that stays until an administrator undoes it.
    /// </summary>
    public Task<long> UpsertActiveUserAsync(MySqlConnection conn, MySqlTransaction? tx, string dingTalkUserId, string? unionId, string name, string? mobile, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, ReactivateUserSql,
            new { DingTalkUserId = dingTalkUserId, UnionId = unionId, Name = name, Mobile = mobile, Now = clock.GetUtcNow().UtcDateTime }, ct);

    private const string UpdateDetailsSql = """
        INSERT INTO users (dingtalk_user_id, union_id, name, mobile, active, created_at, updated_at)
        VALUES (@DingTalkUserId, @UnionId, @Name, @Mobile, 1, @Now, @Now)
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), union_id = COALESCE(VALUES(union_id), union_id), name = VALUES(name),
                                mobile = COALESCE(VALUES(mobile), mobile), updated_at = VALUES(updated_at)
        """;

    /// <summary>
    /// A person whose DingTalk profile changed: created if new, otherwise name, phone and unionId refreshed. An account
    /// deactivated here (by an administrator or a liaison) stays deactivated: a profile edit is no reason to let them back in.
    /// </summary>
    public Task<long> UpsertUserDetailsAsync(MySqlConnection conn, MySqlTransaction? tx, string dingTalkUserId, string? unionId, string name, string? mobile, CancellationToken ct) =>
        InsertReturningIdAsync(conn, tx, UpdateDetailsSql,
            new { DingTalkUserId = dingTalkUserId, UnionId = unionId, Name = name, Mobile = mobile, Now = clock.GetUtcNow().UtcDateTime }, ct);

    private const string ActiveDingTalkIdsSql = "SELECT id, dingtalk_user_id FROM users WHERE id IN @Ids AND active = 1 ORDER BY id";

    /// <summary>The active users among <paramref name="ids"/> with their DingTalk userIds.</summary>
    public async Task<IReadOnlyList<(long Id, string DingTalkUserId)>> ActiveDingTalkIdsAsync(MySqlConnection conn, IReadOnlyCollection<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : (await conn.QueryAsync<(long, string)>(new CommandDefinition(ActiveDingTalkIdsSql, new { Ids = ids.Distinct().ToList() }, cancellationToken: ct))).AsList();

    private const string ActiveUnionIdsSql = "SELECT id, union_id FROM users WHERE id IN @Ids AND active = 1 ORDER BY id";

    /// <summary>The active users among <paramref name="ids"/> with their unionIds (null: the account has none, e.g. made by hand before its first sync).</summary>
    public async Task<IReadOnlyList<(long Id, string? UnionId)>> ActiveUnionIdsAsync(MySqlConnection conn, MySqlTransaction? tx, IReadOnlyCollection<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : (await conn.QueryAsync<(long, string?)>(new CommandDefinition(ActiveUnionIdsSql, new { Ids = ids.Distinct().ToList() }, tx, cancellationToken: ct))).AsList();

    private const string WithoutUnionIdSql = """
        SELECT u.id, u.name FROM users u
         WHERE u.active = 1 AND (u.union_id IS NULL OR u.union_id = '') AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)
         ORDER BY u.id
         LIMIT 1000
        """;

    /// <summary>Active people with a role but no unionId: DingTalk to-dos cannot reach them (the admin's operations view).</summary>
    public async Task<IReadOnlyList<(long Id, string Name)>> WithoutUnionIdAsync(MySqlConnection conn, CancellationToken ct) =>
        (await conn.QueryAsync<(long, string)>(new CommandDefinition(WithoutUnionIdSql, cancellationToken: ct))).AsList();

    private const string UnbindConversationSql = "UPDATE work_groups SET open_conversation_id = NULL WHERE open_conversation_id IN @Ids";

    /// <summary>A disbanded group chat: the work groups bound to it lose their chat (notices then wait for a new one).</summary>
    public Task<int> UnbindConversationsAsync(MySqlConnection conn, MySqlTransaction? tx, IReadOnlyList<string> openConversationIds, CancellationToken ct) =>
        openConversationIds.Count == 0 ? Task.FromResult(0)
            : conn.ExecuteAsync(new CommandDefinition(UnbindConversationSql, new { Ids = openConversationIds }, tx, cancellationToken: ct));

    private const string SchoolOfConversationSql = "SELECT school_id FROM work_groups WHERE open_conversation_id = @Cid";

    /// <summary>The school whose work group chat this is; null for any other chat.</summary>
    public Task<long?> SchoolOfConversationAsync(MySqlConnection conn, string openConversationId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SchoolOfConversationSql, new { Cid = openConversationId }, cancellationToken: ct));

    private const string IsWorkGroupMemberSql = """
        SELECT EXISTS (SELECT 1 FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
                        WHERE g.school_id = @SchoolId AND m.user_id = @UserId)
        """;

    /// <summary>Whether the person sits in the school's work group (as a member of some line).</summary>
    public Task<bool> IsWorkGroupMemberAsync(MySqlConnection conn, long schoolId, long userId, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(IsWorkGroupMemberSql, new { SchoolId = schoolId, UserId = userId }, cancellationToken: ct));

    private const string UnitServesSchoolSql = """
        SELECT EXISTS (
          SELECT 1 FROM schools s JOIN regions t ON t.id = s.town_id LEFT JOIN regions d ON d.id = t.parent_id JOIN units u ON u.id = @UnitId
           WHERE s.id = @SchoolId
             AND (u.region_id IN (t.id, d.id, d.parent_id)
                  OR EXISTS (SELECT 1 FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
                              WHERE g.school_id = s.id AND m.unit_id = u.id)))
        """;

    /// <summary>
    /// Whether the unit serves the school: a town unit the schools of its town, a district or city unit those of its district
    /// or city, and any unit sitting in the school's work group.
    /// </summary>
    public Task<bool> UnitServesSchoolAsync(MySqlConnection conn, long unitId, long schoolId, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(UnitServesSchoolSql, new { UnitId = unitId, SchoolId = schoolId }, cancellationToken: ct));

    private const string ConversationOfSchoolSql = "SELECT open_conversation_id FROM work_groups WHERE school_id = @SchoolId";

    /// <summary>The school's work-group chat, if one is bound.</summary>
    public Task<string?> ConversationOfSchoolAsync(MySqlConnection conn, long schoolId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(ConversationOfSchoolSql, new { SchoolId = schoolId }, cancellationToken: ct));

    private const string ChatsOfUserSql = $"""
        SELECT g.open_conversation_id AS {nameof(UserChatRow.OpenConversationId)}, g.name AS {nameof(UserChatRow.Name)}
          FROM work_groups g
         WHERE g.open_conversation_id IS NOT NULL
           AND (EXISTS (SELECT 1 FROM work_group_members m WHERE m.work_group_id = g.id AND m.user_id = @UserId)
                OR EXISTS (SELECT 1 FROM memberships s WHERE s.school_id = g.school_id AND s.school_id <> 0 AND s.user_id = @UserId))
         ORDER BY g.id
        """;

    /// <summary>
    /// The work-group chats a person sits in, as far as we know: the lines' members, and the school's own staff (reporters
    /// and co-leaders). For the local simulator, which shows each person the chats they are in.
    /// </summary>
    public async Task<IReadOnlyList<UserChatRow>> ChatsOfUserAsync(MySqlConnection conn, long userId, CancellationToken ct) =>
        (await conn.QueryAsync<UserChatRow>(new CommandDefinition(ChatsOfUserSql, new { UserId = userId }, cancellationToken: ct))).AsList();
}

/// <summary>A group chat a person is in: its open conversation id and name.</summary>
public sealed record UserChatRow
{
    public string OpenConversationId { get; init; } = "";
    public string Name { get; init; } = "";
}
