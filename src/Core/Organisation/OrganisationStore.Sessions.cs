using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Organisation;

/// <summary>Lookups for the mini-app's login and sessions.</summary>
public sealed partial class OrganisationStore
{
    private const string ActiveUserSql = $"""
        SELECT id AS {nameof(UserRow.Id)}, dingtalk_user_id AS {nameof(UserRow.DingTalkUserId)}, union_id AS {nameof(UserRow.UnionId)},
               name AS {nameof(UserRow.Name)}, mobile AS {nameof(UserRow.Mobile)}, active AS {nameof(UserRow.Active)}
          FROM users
         WHERE id = @Id AND active = 1
        """;

    /// <summary>An active user by our id; null when unknown or deactivated.</summary>
    public Task<UserRow?> ActiveUserAsync(MySqlConnection conn, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(ActiveUserSql, new { Id = id }, cancellationToken: ct));

    private const string UnitNamesSql = "SELECT id AS Id, name AS Name FROM units WHERE id IN @Ids";

    /// <summary>Names of units by id (for timelines).</summary>
    public async Task<IReadOnlyDictionary<long, string>> UnitNamesAsync(MySqlConnection conn, IReadOnlyCollection<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? new Dictionary<long, string>()
        : (await conn.QueryAsync<(long Id, string Name)>(new CommandDefinition(UnitNamesSql, new { Ids = ids }, cancellationToken: ct)))
            .ToDictionary(r => r.Id, r => r.Name);

    private const string UserNamesSql = "SELECT id AS Id, name AS Name FROM users WHERE id IN @Ids ORDER BY id";

    /// <summary>Names of users by id, in id order (e.g. whom a clue may be reassigned to).</summary>
    public async Task<IReadOnlyList<(long Id, string Name)>> UserNamesAsync(MySqlConnection conn, IReadOnlyCollection<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? []
        : (await conn.QueryAsync<(long Id, string Name)>(new CommandDefinition(UserNamesSql, new { Ids = ids }, cancellationToken: ct))).AsList();

    private const string SchoolNamesSql = "SELECT id AS Id, name AS Name FROM schools WHERE id IN @Ids";

    /// <summary>Names of schools by id (for a person's own roles).</summary>
    public async Task<IReadOnlyDictionary<long, string>> SchoolNamesAsync(MySqlConnection conn, IReadOnlyCollection<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? new Dictionary<long, string>()
        : (await conn.QueryAsync<(long Id, string Name)>(new CommandDefinition(SchoolNamesSql, new { Ids = ids }, cancellationToken: ct)))
            .ToDictionary(r => r.Id, r => r.Name);

    private const string LoginPeopleSql = $"""
        SELECT u.dingtalk_user_id AS {nameof(LoginPersonRow.DingTalkUserId)}, u.name AS {nameof(LoginPersonRow.Name)},
               m.role AS {nameof(LoginPersonRow.Role)}, m.title AS {nameof(LoginPersonRow.Title)},
               un.level AS {nameof(LoginPersonRow.UnitLevel)}, COALESCE(un.name, s.name) AS {nameof(LoginPersonRow.Place)}
          FROM users u
          JOIN memberships m ON m.user_id = u.id
          LEFT JOIN units un ON un.id = m.unit_id AND m.unit_id <> 0
          LEFT JOIN schools s ON s.id = m.school_id AND m.school_id <> 0
         WHERE u.active = 1
         ORDER BY m.role, un.level, Place, u.id
         LIMIT @Limit
        """;

    /// <summary>Active people with each of their roles and where (for the offline login page, which never exists in Production).</summary>
    public async Task<IReadOnlyList<LoginPersonRow>> LoginPeopleAsync(MySqlConnection conn, int limit, CancellationToken ct) =>
        (await conn.QueryAsync<LoginPersonRow>(new CommandDefinition(LoginPeopleSql, new { Limit = limit }, cancellationToken: ct))).AsList();
}

/// <summary>One role of one active person, with the unit or school it is held in.</summary>
public sealed record LoginPersonRow
{
    public string DingTalkUserId { get; init; } = "";
    public string Name { get; init; } = "";
    public Role Role { get; init; }
    public string? Title { get; init; }
    public UnitLevel? UnitLevel { get; init; }
    public string? Place { get; init; }
}
