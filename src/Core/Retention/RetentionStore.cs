using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Retention;

/// <summary>All SQL of the retention purge: batched deletes of rows past their time.</summary>
public sealed class RetentionStore
{
    /// <summary>
    /// Each table's rows past their time, a batch at a time: the WHERE clause on <c>@Cutoff</c>. Only rows that are done
    /// (sent, processed, ended). The audit log is purged in windows of ids instead (<see cref="PurgeAuditAsync"/>).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Purges = new Dictionary<string, string>
    {
        ["outbox"] = "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < @Cutoff ORDER BY id LIMIT @Batch",
        ["inbox_events"] = "DELETE FROM inbox_events WHERE processed_at IS NOT NULL AND processed_at < @Cutoff ORDER BY id LIMIT @Batch",
        ["idempotency_keys"] = "DELETE FROM idempotency_keys WHERE created_at < @Cutoff LIMIT @Batch",
        ["login_sessions"] = "DELETE FROM login_sessions WHERE COALESCE(ended_at, expires_at) < @Cutoff LIMIT @Batch",
        ["callback_replays"] = "DELETE FROM callback_replays WHERE expires_at < @Cutoff LIMIT @Batch",
    };

    private const string AuditSpanSql = "SELECT MIN(id) AS Lo, MAX(id) AS Hi FROM audit_log FORCE INDEX (ix_audit_time) WHERE occurred_at < @Cutoff";

    private const string AuditWindowSql = "DELETE FROM audit_log WHERE id BETWEEN @Lo AND @Hi AND occurred_at < @Cutoff";

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

    /// <summary>
    /// The audit log in windows of ids, from the oldest row past its time to the newest: each batch reads its own range of
    /// the primary key. A <c>DELETE … ORDER BY id LIMIT</c> began at the table's start every batch and walked every row the
    /// batches before it had deleted and InnoDB had not yet purged: 355,000–388,000 rows read and 11–18 s a batch on a
    /// five-year backlog. Rows inside a window that are not past their time (an id is not always in time order) stay.
    /// </summary>
    public async Task<long> PurgeAuditAsync(MySqlConnection conn, DateTime cutoff, int batch, CancellationToken ct)
    {
        var span = await conn.QuerySingleAsync<(long? Lo, long? Hi)>(new CommandDefinition(AuditSpanSql, new { Cutoff = cutoff }, cancellationToken: ct));
        if (span is not (long lo, long hi)) return 0;
        long total = 0;
        for (var from = lo; from <= hi && !ct.IsCancellationRequested; from += batch)
            total += await conn.ExecuteAsync(new CommandDefinition(AuditWindowSql,
                new { Lo = from, Hi = Math.Min(from + batch - 1, hi), Cutoff = cutoff }, cancellationToken: ct));
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
