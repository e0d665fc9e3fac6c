using MySqlConnector;

namespace SchoolSafety.Core.Notifications;

/// <summary>Admin operations on the outbox: list dead rows and put them back in the queue. HTTP endpoints come later.</summary>
public sealed class OutboxAdmin(MySqlDataSource db, OutboxStore store)
{
    public async Task<IReadOnlyList<OutboxDeadRow>> ListDeadAsync(int limit, long? beforeId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await store.ListDeadAsync(conn, Math.Clamp(limit, 1, 500), beforeId, ct);
    }

    /// <summary>True when the row was dead and is queued again with a fresh attempt budget.</summary>
    public async Task<bool> RetryDeadAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await store.RetryDeadAsync(conn, id, ct);
    }

    public async Task<OutboxCounts> CountAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await store.CountAsync(conn, ct);
    }
}
