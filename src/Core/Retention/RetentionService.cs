using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Photos;

namespace SchoolSafety.Core.Retention;

/// <summary>What one purge removed, per table (and <c>photos</c> for orphan photo files).</summary>
public sealed record RetentionReport(IReadOnlyDictionary<string, long> Removed);

/// <summary>
/// Removes what is no longer needed (<see cref="RetentionOptions"/>): orphan photos after a day, sent outbox rows,
/// processed events, old idempotency keys and logins, expired callback pairs, and audit entries past their years.
/// Safe to run on several hosts at once: every delete is of rows already past their time.
/// </summary>
public sealed partial class RetentionService(
    MySqlDataSource db, RetentionStore store, IPhotoStore photos, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionService> logger)
{
    public async Task<RetentionReport> PurgeAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var removed = new Dictionary<string, long>();
        await using var conn = await db.OpenConnectionAsync(ct);

        long orphans = 0;
        IReadOnlyList<string> keys;
        do
        {
            keys = await store.OrphanPhotosAsync(conn, now - o.OrphanPhotosAfter, o.BatchSize, ct);
            foreach (var key in keys)
            {
                if (!await store.ForgetOrphanAsync(conn, key, ct)) continue;
                await photos.DeleteAsync(key, ct);
                orphans++;
            }
        } while (keys.Count == o.BatchSize && !ct.IsCancellationRequested);
        removed["photos"] = orphans;

        var cutoffs = new Dictionary<string, DateTime>
        {
            ["outbox"] = now.AddDays(-o.SentOutboxDays),
            ["inbox_events"] = now.AddDays(-o.ProcessedInboxDays),
            ["idempotency_keys"] = now.AddDays(-o.IdempotencyKeyDays),
            ["login_sessions"] = now.AddDays(-o.LoginSessionDays),
            ["callback_replays"] = now,
        };
        foreach (var (table, cutoff) in cutoffs)
            removed[table] = await store.PurgeAsync(conn, table, cutoff, o.BatchSize, ct);
        removed["audit_log"] = await store.PurgeAuditAsync(conn, now.AddDays(-o.AuditLogDays), o.BatchSize, ct);
        Log.Purged(logger, string.Join(", ", removed.Select(r => $"{r.Key} {r.Value}")));
        return new RetentionReport(removed);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Retention purge removed: {Removed}")]
        public static partial void Purged(ILogger logger, string removed);
    }
}
