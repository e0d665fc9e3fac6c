using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Retention;

/// <summary>All SQL of the retention purge: batched deletes of rows past their time.</summary>
public sealed class RetentionStore
{
    /// <summary>Each table's rows past their time: the WHERE clause on <c>@Cutoff</c>. Only rows that are done (sent, processed, ended).</summary>
    public static readonly IReadOnlyDictionary<string, string> Purges = new Dictionary<string, string>
    {
        ["outbox"] = "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < @Cutoff ORDER BY id LIMIT @Batch",
        ["inbox_events"] = "DELETE FROM inbox_events WHERE processed_at IS NOT NULL AND processed_at < @Cutoff ORDER BY id LIMIT @Batch",
        ["idempotency_keys"] = "DELETE FROM idempotency_keys WHERE created_at < @Cutoff LIMIT @Batch",
        ["login_sessions"] = "DELETE FROM login_sessions WHERE COALESCE(ended_at, expires_at) < @Cutoff LIMIT @Batch",
        ["audit_log"] = "DELETE FROM audit_log WHERE occurred_at < @Cutoff ORDER BY id LIMIT @Batch",
        ["callback_replays"] = "DELETE FROM callback_replays WHERE expires_at < @Cutoff LIMIT @Batch",
    };

    /// <summary>Deletes a table's rows older than <paramref name="cutoff"/>, a batch at a time; returns how many.</summary>
    public async Task<long> PurgeAsync(MySqlConnection conn, string table, DateTime cutoff, int batch, CancellationToken ct)
    {
        long total = 0;
        while (!ct.IsCancellationRequested)
        {
            var n = await conn.ExecuteAsync(new CommandDefinition(Purges[table], new { Cutoff = cutoff, Batch = batch }, cancellationToken: ct));
            total += n;
            if (n < batch) break;
        }
        return total;
    }

    private const string OrphansSql = """
        SELECT photo_key FROM photo_uploads WHERE attached_kind IS NULL AND uploaded_at < @Cutoff ORDER BY uploaded_at LIMIT @Batch
        """;

    public async Task<IReadOnlyList<string>> OrphanPhotosAsync(MySqlConnection conn, DateTime cutoff, int batch, CancellationToken ct) =>
        (await conn.QueryAsync<string>(new CommandDefinition(OrphansSql, new { Cutoff = cutoff, Batch = batch }, cancellationToken: ct))).AsList();

    private const string ForgetOrphanSql = "DELETE FROM photo_uploads WHERE photo_key = @Key AND attached_kind IS NULL";

    /// <summary>False when the photo was attached meanwhile (then its file stays).</summary>
    public async Task<bool> ForgetOrphanAsync(MySqlConnection conn, string key, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(ForgetOrphanSql, new { Key = key }, cancellationToken: ct)) == 1;
}
