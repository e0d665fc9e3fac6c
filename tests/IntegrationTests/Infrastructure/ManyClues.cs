using Dapper;
using MySqlConnector;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.IntegrationTests.Infrastructure;

/// <summary>
/// More clues than a list counts (<see cref="ClueStore.CountLimit"/> + 50), written past the product in one statement: school
/// 01's, of an item of the police line, one a second, newer than any other test's; the first 30 waiting for acceptance,
/// the rest resolved. Numbered <c>CAP-1</c> (the newest) onwards, and removed by <see cref="DeleteAsync"/>.
/// </summary>
public static class ManyClues
{
    public const int Count = ClueStore.CountLimit + 50;
    public const int Pending = 30;

    /// <summary>Writes them; returns school 01's id.</summary>
    public static async Task<long> InsertAsync(MySqlDataSource db, DateTime nowUtc)
    {
        await using var conn = await db.OpenConnectionAsync();
        var school = await conn.ExecuteScalarAsync<long>("""
            SELECT m.school_id FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE u.dingtalk_user_id = 'demo-school01-officer' AND m.role = 'Reporter' LIMIT 1
            """);
        var item = await conn.ExecuteScalarAsync<int>("SELECT no FROM worklist_items WHERE owner_line = 'POL' ORDER BY no LIMIT 1");
        var reporter = await conn.ExecuteScalarAsync<long>(
            "SELECT user_id FROM memberships WHERE school_id = @school AND role = 'Reporter' ORDER BY user_id LIMIT 1", new { school });
        await conn.ExecuteAsync($"""
            INSERT INTO clues (number, school_id, town_id, item_no, line_code, description, reporter_user_id, created_at, updated_at,
                               state, tier, unrouted, version)
            SELECT CONCAT('CAP-', s.seq), sc.id, sc.town_id, @item, 'POL', '计数上限测试', @reporter, @at - INTERVAL s.seq SECOND,
                   @at - INTERVAL s.seq SECOND, IF(s.seq <= {Pending}, 'PendingAcceptance', 'Resolved'), 'WorkGroup', 0, 1
              FROM seq_1_to_{Count} s JOIN schools sc ON sc.id = @school
            """, new { item, reporter, at = nowUtc.AddYears(5), school });
        return school;
    }

    public static async Task DeleteAsync(MySqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("DELETE FROM clues WHERE number LIKE 'CAP-%'");
    }
}
