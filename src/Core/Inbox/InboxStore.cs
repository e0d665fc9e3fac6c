using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Inbox;

/// <summary>A stored event a worker holds.</summary>
public sealed record InboxRow
{
    public long Id { get; init; }
    public string EventKey { get; init; } = "";
    public string EventType { get; init; } = "";
    public string Payload { get; init; } = "";
    public int Attempts { get; init; }
    public string ClaimToken { get; init; } = "";
}

/// <summary>All SQL of the event inbox: one row per DingTalk event, written before the push is answered.</summary>
public sealed class InboxStore(TimeProvider clock)
{
    private const string AddSql = """
        INSERT IGNORE INTO inbox_events (event_key, source, event_type, payload, received_at, next_attempt_at)
        VALUES (@Key, @Source, @Type, @Payload, @Now, @Now)
        """;

    /// <summary>Stores the event (autocommit); false when its key was stored before (a repeated delivery).</summary>
    public async Task<bool> AddAsync(MySqlDataSource db, InboxEvent e, string source, string payload, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(AddSql,
            new { e.Key, Source = source, Type = e.EventType, Payload = payload, Now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct)) == 1;
    }

    private const string ClaimSql = """
        UPDATE inbox_events
           SET claim_token = @Token, attempts = attempts + 1, next_attempt_at = @LeaseEnd
         WHERE processed_at IS NULL AND dead_at IS NULL AND next_attempt_at <= @Now
         ORDER BY id
         LIMIT @Limit;
        SELECT id AS Id, event_key AS EventKey, event_type AS EventType, payload AS Payload, attempts AS Attempts, claim_token AS ClaimToken
          FROM inbox_events
         WHERE claim_token = @Token AND processed_at IS NULL
         ORDER BY id
        """;

    /// <summary>Claims due events for one lease (a worker that dies releases them when it ends); each row is claimed by one worker.</summary>
    public async Task<IReadOnlyList<InboxRow>> ClaimAsync(MySqlConnection conn, int limit, TimeSpan lease, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(ClaimSql,
            new { Token = Guid.NewGuid().ToString("N"), Now = now, LeaseEnd = now + lease, Limit = limit }, cancellationToken: ct));
        return (await r.ReadAsync<InboxRow>()).AsList();
    }

    private const string MarkProcessedSql = """
        UPDATE inbox_events SET processed_at = @Now, outcome = @Outcome, claim_token = NULL, last_error = NULL
         WHERE id = @Id AND claim_token = @Token AND processed_at IS NULL
        """;

    /// <summary>Marks the event done inside the transaction of its effects; false when the lease was lost (the caller rolls back).</summary>
    public async Task<bool> MarkProcessedAsync(MySqlConnection conn, MySqlTransaction tx, InboxRow row, string outcome, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(MarkProcessedSql,
            new { row.Id, Token = row.ClaimToken, Outcome = Truncate(outcome, 200), Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct)) == 1;

    private const string MarkFailedSql = """
        UPDATE inbox_events SET next_attempt_at = @Next, last_error = @Error, claim_token = NULL, dead_at = IF(@Dead, @Now, NULL)
         WHERE id = @Id AND claim_token = @Token AND processed_at IS NULL
        """;

    public Task MarkFailedAsync(MySqlConnection conn, InboxRow row, string error, DateTimeOffset next, bool dead, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(MarkFailedSql, new
        {
            row.Id, Token = row.ClaimToken, Error = Truncate(error, 1000), Next = next.UtcDateTime, Dead = dead, Now = clock.GetUtcNow().UtcDateTime,
        }, cancellationToken: ct));

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
