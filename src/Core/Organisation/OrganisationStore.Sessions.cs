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
}
