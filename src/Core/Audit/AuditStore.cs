using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Audit;

public enum AuditAction
{
    /// <summary>Someone read a clue's detail.</summary>
    ClueRead,
    /// <summary>A signed photo link was issued to someone.</summary>
    PhotoLink,
    /// <summary>Someone exported data (CSV or XLSX).</summary>
    Export,
    /// <summary>An administrator changed accounts, units, schools or work groups.</summary>
    AdminChange,
}

public sealed record AuditEntry(long ActorUserId, AuditAction Action, string SubjectType, string SubjectId, string? Detail = null);

public sealed record AuditRow
{
    public long Id { get; init; }
    public DateTime OccurredAt { get; init; }
    public long ActorUserId { get; init; }
    public AuditAction Action { get; init; }
    public string SubjectType { get; init; } = "";
    public string SubjectId { get; init; } = "";
    public string? Detail { get; init; }
}

public sealed record AuditQuery(long? ActorUserId = null, AuditAction? Action = null, string? SubjectType = null, string? SubjectId = null,
    DateTime? From = null, DateTime? To = null, int Page = 1, int PageSize = 50);

/// <summary>
/// The confidentiality log (domain.md §8): who read or exported what, when. Rows are only ever
/// inserted: the product has no statement that changes or deletes them.
/// </summary>
public sealed class AuditStore(MySqlDataSource db, TimeProvider clock)
{
    private const string InsertSql = """
        INSERT INTO audit_log (occurred_at, actor_user_id, action, subject_type, subject_id, detail)
        VALUES (@Now, @ActorUserId, @Action, @SubjectType, @SubjectId, @Detail)
        """;

    /// <summary>Records entries on the caller's connection (and transaction, if any).</summary>
    public Task RecordAsync(MySqlConnection conn, MySqlTransaction? tx, IReadOnlyList<AuditEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0) return Task.CompletedTask;
        var now = clock.GetUtcNow().UtcDateTime;
        return conn.ExecuteAsync(new CommandDefinition(InsertSql,
            entries.Select(e => new { Now = now, e.ActorUserId, Action = e.Action.ToString(), e.SubjectType, e.SubjectId, e.Detail }),
            tx, cancellationToken: ct));
    }

    /// <summary>Records one entry on a connection of its own.</summary>
    public async Task RecordAsync(AuditEntry entry, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await RecordAsync(conn, null, [entry], ct);
    }

    private const string SearchSql = $"""
        SELECT id AS {nameof(AuditRow.Id)}, occurred_at AS {nameof(AuditRow.OccurredAt)}, actor_user_id AS {nameof(AuditRow.ActorUserId)},
               action AS {nameof(AuditRow.Action)}, subject_type AS {nameof(AuditRow.SubjectType)},
               subject_id AS {nameof(AuditRow.SubjectId)}, detail AS {nameof(AuditRow.Detail)}
          FROM audit_log
         WHERE (@ActorUserId IS NULL OR actor_user_id = @ActorUserId)
           AND (@Action IS NULL OR action = @Action)
           AND (@SubjectType IS NULL OR subject_type = @SubjectType)
           AND (@SubjectId IS NULL OR subject_id = @SubjectId)
           AND (@From IS NULL OR occurred_at >= @From)
           AND (@To IS NULL OR occurred_at < @To)
         ORDER BY id DESC
         LIMIT @Limit OFFSET @Offset
        """;

    public async Task<IReadOnlyList<AuditRow>> SearchAsync(AuditQuery q, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var size = Math.Clamp(q.PageSize, 1, 200);
        return (await conn.QueryAsync<AuditRow>(new CommandDefinition(SearchSql, new
        {
            q.ActorUserId, Action = q.Action?.ToString(), q.SubjectType, q.SubjectId, q.From, q.To,
            Limit = size, Offset = (long)(Math.Max(q.Page, 1) - 1) * size,
        }, cancellationToken: ct))).AsList();
    }
}
