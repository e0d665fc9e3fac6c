using Dapper;
using MySqlConnector;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Exchange;

public sealed record ApiKeyRow
{
    public long Id { get; init; }
    public string LineCode { get; init; } = "";
    public string Name { get; init; } = "";
    public string KeyPrefix { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    public DateTime? LastUsedAt { get; init; }
}

public sealed record WebhookRow
{
    public long Id { get; init; }
    public string LineCode { get; init; } = "";
    public string Url { get; init; } = "";
    public string EventKinds { get; init; } = "";
    public string Secret { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime? DisabledAt { get; init; }

    public bool Wants(string kind) => EventKinds == "*" || EventKinds.Split(',').Contains(kind, StringComparer.Ordinal);
}

public sealed record WebhookAttemptRow
{
    public long Id { get; init; }
    public string EventId { get; init; } = "";
    public int Attempt { get; init; }
    public DateTime AttemptedAt { get; init; }
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public int ElapsedMs { get; init; }
}

/// <summary>A clue as another department's system reads it: no reporter, no handler names.</summary>
public sealed record ExchangeClue
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public string School { get; init; } = "";
    public string Town { get; init; } = "";
    public int ItemNo { get; init; }
    public string Item { get; init; } = "";
    public string LineCode { get; init; } = "";
    public string Description { get; init; } = "";
    public string? Location { get; init; }
    public decimal? Latitude { get; init; }
    public decimal? Longitude { get; init; }
    public ClueState State { get; init; }
    public Tier Tier { get; init; }
    public string? Unit { get; init; }
    public bool Supervised { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? DueAt { get; init; }
    public DateTime? ResolvedAt { get; init; }
    public string? GridEventId { get; init; }
    public string? Attachments { get; init; }
}

/// <summary>All SQL of the data exchange: API keys, their audited reads, the line's clues as the keys see them, webhooks and their attempts.</summary>
public sealed class ExchangeStore(TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    // ---------------------------------------------------------------- keys

    private const string KeyColumns = $"""
        id AS {nameof(ApiKeyRow.Id)}, line_code AS {nameof(ApiKeyRow.LineCode)}, name AS {nameof(ApiKeyRow.Name)}, key_prefix AS {nameof(ApiKeyRow.KeyPrefix)},
        created_at AS {nameof(ApiKeyRow.CreatedAt)}, expires_at AS {nameof(ApiKeyRow.ExpiresAt)}, revoked_at AS {nameof(ApiKeyRow.RevokedAt)},
        last_used_at AS {nameof(ApiKeyRow.LastUsedAt)}
        """;

    private const string InsertKeySql = """
        INSERT INTO exchange_api_keys (line_code, name, key_prefix, key_hash, created_by, created_at, expires_at)
        VALUES (@LineCode, @Name, @Prefix, @Hash, @CreatedBy, @Now, @ExpiresAt);
        SELECT LAST_INSERT_ID();
        """;

    public Task<long> InsertKeyAsync(MySqlConnection conn, string lineCode, string name, string prefix, string hash, long createdBy, DateTime expiresAt, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertKeySql, new
        {
            LineCode = lineCode, Name = name, Prefix = prefix, Hash = hash, CreatedBy = createdBy, Now, ExpiresAt = expiresAt,
        }, cancellationToken: ct));

    private const string ListKeysSql = $"SELECT {KeyColumns} FROM exchange_api_keys ORDER BY id DESC";

    public async Task<IReadOnlyList<ApiKeyRow>> KeysAsync(MySqlConnection conn, CancellationToken ct) =>
        (await conn.QueryAsync<ApiKeyRow>(new CommandDefinition(ListKeysSql, cancellationToken: ct))).AsList();

    private const string RevokeSql = "UPDATE exchange_api_keys SET revoked_at = @Now WHERE id = @Id AND revoked_at IS NULL";

    public async Task<bool> RevokeKeyAsync(MySqlConnection conn, long id, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(RevokeSql, new { Id = id, Now }, cancellationToken: ct)) == 1;

    private const string ActiveKeySql = $"""
        SELECT {KeyColumns} FROM exchange_api_keys
         WHERE key_hash = @Hash AND revoked_at IS NULL AND expires_at > @Now
        """;

    private const string TouchKeySql = "UPDATE exchange_api_keys SET last_used_at = @Now WHERE id = @Id";

    /// <summary>The key with this hash if it is neither revoked nor expired (and marks it used).</summary>
    public async Task<ApiKeyRow?> ActiveKeyAsync(MySqlConnection conn, string hash, CancellationToken ct)
    {
        var key = await conn.QuerySingleOrDefaultAsync<ApiKeyRow>(new CommandDefinition(ActiveKeySql, new { Hash = hash, Now }, cancellationToken: ct));
        if (key is not null) await conn.ExecuteAsync(new CommandDefinition(TouchKeySql, new { key.Id, Now }, cancellationToken: ct));
        return key;
    }

    private const string ReadSql = """
        INSERT INTO exchange_reads (key_id, occurred_at, resource, subject, item_count) VALUES (@KeyId, @Now, @Resource, @Subject, @Count)
        """;

    /// <summary>The audit of one read by a key.</summary>
    public Task RecordReadAsync(MySqlConnection conn, long keyId, string resource, string? subject, int count, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(ReadSql, new
        {
            KeyId = keyId, Now, Resource = resource, Subject = subject is { Length: > 200 } s ? s[..200] : subject, Count = count,
        }, cancellationToken: ct));

    // ---------------------------------------------------------------- clues

    private const string ClueColumns = $"""
        c.id AS {nameof(ExchangeClue.Id)}, c.number AS {nameof(ExchangeClue.Number)}, s.name AS {nameof(ExchangeClue.School)},
        r.name AS {nameof(ExchangeClue.Town)}, c.item_no AS {nameof(ExchangeClue.ItemNo)}, w.label AS {nameof(ExchangeClue.Item)},
        c.line_code AS {nameof(ExchangeClue.LineCode)}, c.description AS {nameof(ExchangeClue.Description)}, c.location AS {nameof(ExchangeClue.Location)},
        c.latitude AS {nameof(ExchangeClue.Latitude)}, c.longitude AS {nameof(ExchangeClue.Longitude)}, c.state AS {nameof(ExchangeClue.State)},
        c.tier AS {nameof(ExchangeClue.Tier)}, u.name AS {nameof(ExchangeClue.Unit)}, c.supervised AS {nameof(ExchangeClue.Supervised)},
        c.created_at AS {nameof(ExchangeClue.CreatedAt)}, c.updated_at AS {nameof(ExchangeClue.UpdatedAt)}, c.due_at AS {nameof(ExchangeClue.DueAt)},
        c.resolved_at AS {nameof(ExchangeClue.ResolvedAt)}, c.grid_event_id AS {nameof(ExchangeClue.GridEventId)}, c.attachments AS {nameof(ExchangeClue.Attachments)}
        """;

    private const string ClueFrom = """
          FROM clues c
          JOIN schools s ON s.id = c.school_id
          JOIN regions r ON r.id = c.town_id
          JOIN worklist_items w ON w.no = c.item_no
          LEFT JOIN units u ON u.id = c.unit_id
        """;

    // Keyset paging on (updated_at, id): a client that follows `next` sees every change once, even while clues change.
    private const string CluesSql = $"""
        SELECT {ClueColumns}
        {ClueFrom}
         WHERE c.line_code = @Line
           AND (c.updated_at > @Since OR (c.updated_at = @Since AND c.id > @AfterId))
           AND (@State IS NULL OR c.state IN @States)
         ORDER BY c.updated_at, c.id
         LIMIT @Limit
        """;

    /// <summary>One page of a line's clues changed after (<paramref name="since"/>, <paramref name="afterId"/>), oldest change first.</summary>
    public async Task<IReadOnlyList<ExchangeClue>> CluesAsync(MySqlConnection conn, string line, DateTime since, long afterId, IReadOnlyList<ClueState>? states, int limit, CancellationToken ct) =>
        (await conn.QueryAsync<ExchangeClue>(new CommandDefinition(CluesSql, new
        {
            Line = line, Since = since, AfterId = afterId, Limit = limit,
            State = states is { Count: > 0 } ? "x" : null, States = states is { Count: > 0 } ? states.Select(s => s.ToString()).ToList() : ["-"],
        }, cancellationToken: ct))).AsList();

    private const string ClueByNumberSql = $"SELECT {ClueColumns} {ClueFrom} WHERE c.number = @Number AND c.line_code = @Line";

    public Task<ExchangeClue?> ClueAsync(MySqlConnection conn, string line, string number, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ExchangeClue>(new CommandDefinition(ClueByNumberSql, new { Line = line, Number = number }, cancellationToken: ct));

    private const string ClueByIdSql = $"SELECT {ClueColumns} {ClueFrom} WHERE c.id = @Id";

    public Task<ExchangeClue?> ClueByIdAsync(MySqlConnection conn, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ExchangeClue>(new CommandDefinition(ClueByIdSql, new { Id = id }, cancellationToken: ct));

    public sealed record TimelineEntry(long Id, ClueAction Action, DateTime OccurredAt, ClueState? FromState, ClueState ToState, string? FromUnit, string? ToUnit, string? Note);

    private const string TimelineSql = """
        SELECT e.id AS Id, e.action AS Action, e.occurred_at AS OccurredAt, e.from_state AS FromState, e.to_state AS ToState,
               fu.name AS FromUnit, tu.name AS ToUnit, e.note AS Note
          FROM clue_events e
          LEFT JOIN units fu ON fu.id = e.from_unit_id
          LEFT JOIN units tu ON tu.id = e.to_unit_id
         WHERE e.clue_id = @ClueId
         ORDER BY e.id
        """;

    public async Task<IReadOnlyList<TimelineEntry>> TimelineAsync(MySqlConnection conn, long clueId, CancellationToken ct) =>
        (await conn.QueryAsync<TimelineEntry>(new CommandDefinition(TimelineSql, new { ClueId = clueId }, cancellationToken: ct))).AsList();

    // ---------------------------------------------------------------- Open311

    public sealed record ServiceRow(int No, string Label, string Duty, string LineCode, string LineName);

    private const string ServicesSql = """
        SELECT w.no AS No, w.label AS Label, w.duty_zh AS Duty, w.owner_line AS LineCode, l.name_zh AS LineName
          FROM worklist_items w
          JOIN org_lines l ON l.code = w.owner_line
         WHERE w.hazard = 1 AND w.owner_line = @Line
         ORDER BY w.no
        """;

    /// <summary>The work list's hazard rows of a line: the categories its clues are reported under.</summary>
    public async Task<IReadOnlyList<ServiceRow>> ServicesAsync(MySqlConnection conn, string line, CancellationToken ct) =>
        (await conn.QueryAsync<ServiceRow>(new CommandDefinition(ServicesSql, new { Line = line }, cancellationToken: ct))).AsList();

    /// <summary>GeoReport's request filters: ids (clue numbers), a service code (item), open/closed, a period of creation.</summary>
    public sealed record RequestFilter(IReadOnlyList<string>? Numbers, int? ItemNo, bool? Open, DateTime From, DateTime To, int Limit);

    private const string RequestsSql = $"""
        SELECT {ClueColumns}
        {ClueFrom}
         WHERE c.line_code = @Line
           AND (@AnyNumber IS NULL OR c.number IN @Numbers)
           AND (@ItemNo IS NULL OR c.item_no = @ItemNo)
           AND (@Open IS NULL OR (c.state IN ('Resolved', 'Withdrawn')) = (@Open = 0))
           AND (@AnyNumber IS NOT NULL OR c.created_at BETWEEN @From AND @To)
         ORDER BY c.created_at DESC, c.id DESC
         LIMIT @Limit
        """;

    public async Task<IReadOnlyList<ExchangeClue>> RequestsAsync(MySqlConnection conn, string line, RequestFilter f, CancellationToken ct) =>
        (await conn.QueryAsync<ExchangeClue>(new CommandDefinition(RequestsSql, new
        {
            Line = line, AnyNumber = f.Numbers is { Count: > 0 } ? "x" : null, Numbers = f.Numbers is { Count: > 0 } n ? n : ["-"],
            f.ItemNo, Open = f.Open is { } o ? (o ? 1 : 0) : (int?)null, f.From, f.To, f.Limit,
        }, cancellationToken: ct))).AsList();

    // ---------------------------------------------------------------- webhooks

    private const string WebhookColumns = $"""
        id AS {nameof(WebhookRow.Id)}, line_code AS {nameof(WebhookRow.LineCode)}, url AS {nameof(WebhookRow.Url)},
        event_kinds AS {nameof(WebhookRow.EventKinds)}, secret AS {nameof(WebhookRow.Secret)}, created_at AS {nameof(WebhookRow.CreatedAt)},
        disabled_at AS {nameof(WebhookRow.DisabledAt)}
        """;

    private const string InsertWebhookSql = """
        INSERT INTO exchange_webhooks (line_code, url, event_kinds, secret, created_by, created_at)
        VALUES (@LineCode, @Url, @Kinds, @Secret, @CreatedBy, @Now);
        SELECT LAST_INSERT_ID();
        """;

    public Task<long> InsertWebhookAsync(MySqlConnection conn, string lineCode, string url, string kinds, string secret, long createdBy, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertWebhookSql, new
        {
            LineCode = lineCode, Url = url, Kinds = kinds, Secret = secret, CreatedBy = createdBy, Now,
        }, cancellationToken: ct));

    private const string WebhooksSql = $"SELECT {WebhookColumns} FROM exchange_webhooks ORDER BY id DESC";

    public async Task<IReadOnlyList<WebhookRow>> WebhooksAsync(MySqlConnection conn, CancellationToken ct) =>
        (await conn.QueryAsync<WebhookRow>(new CommandDefinition(WebhooksSql, cancellationToken: ct))).AsList();

    private const string ActiveWebhooksOfLineSql = $"SELECT {WebhookColumns} FROM exchange_webhooks WHERE line_code = @Line AND disabled_at IS NULL";

    public async Task<IReadOnlyList<WebhookRow>> ActiveWebhooksAsync(MySqlConnection conn, string line, CancellationToken ct) =>
        (await conn.QueryAsync<WebhookRow>(new CommandDefinition(ActiveWebhooksOfLineSql, new { Line = line }, cancellationToken: ct))).AsList();

    private const string WebhookSql = $"SELECT {WebhookColumns} FROM exchange_webhooks WHERE id = @Id";

    public Task<WebhookRow?> WebhookAsync(MySqlConnection conn, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<WebhookRow>(new CommandDefinition(WebhookSql, new { Id = id }, cancellationToken: ct));

    private const string DisableWebhookSql = "UPDATE exchange_webhooks SET disabled_at = @Now WHERE id = @Id AND disabled_at IS NULL";

    public async Task<bool> DisableWebhookAsync(MySqlConnection conn, long id, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(DisableWebhookSql, new { Id = id, Now }, cancellationToken: ct)) == 1;

    private const string InsertAttemptSql = """
        INSERT INTO exchange_webhook_attempts (webhook_id, event_id, attempt, attempted_at, status_code, error, elapsed_ms)
        VALUES (@WebhookId, @EventId, @Attempt, @Now, @Status, @Error, @Elapsed)
        """;

    public Task RecordAttemptAsync(MySqlConnection conn, long webhookId, string eventId, int attempt, int? status, string? error, int elapsedMs, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(InsertAttemptSql, new
        {
            WebhookId = webhookId, EventId = eventId, Attempt = attempt, Now, Status = status,
            Error = error is { Length: > 500 } e ? e[..500] : error, Elapsed = elapsedMs,
        }, cancellationToken: ct));

    private const string AttemptsSql = $"""
        SELECT id AS {nameof(WebhookAttemptRow.Id)}, event_id AS {nameof(WebhookAttemptRow.EventId)}, attempt AS {nameof(WebhookAttemptRow.Attempt)},
               attempted_at AS {nameof(WebhookAttemptRow.AttemptedAt)}, status_code AS {nameof(WebhookAttemptRow.StatusCode)},
               error AS {nameof(WebhookAttemptRow.Error)}, elapsed_ms AS {nameof(WebhookAttemptRow.ElapsedMs)}
          FROM exchange_webhook_attempts
         WHERE webhook_id = @Id
         ORDER BY id DESC
         LIMIT 200
        """;

    public async Task<IReadOnlyList<WebhookAttemptRow>> AttemptsAsync(MySqlConnection conn, long webhookId, CancellationToken ct) =>
        (await conn.QueryAsync<WebhookAttemptRow>(new CommandDefinition(AttemptsSql, new { Id = webhookId }, cancellationToken: ct))).AsList();
}
