using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Notifications;

/// <summary>A row a dispatcher holds: it may send it until <see cref="OutboxStore.ClaimDueAsync"/>'s lease ends.</summary>
public sealed record OutboxRow
{
    public long Id { get; init; }
    public string Topic { get; init; } = "";
    public string? OrderingKey { get; init; }
    public string Payload { get; init; } = "";
    /// <summary>Attempts including the current one.</summary>
    public int Attempts { get; init; }
    public string ClaimToken { get; init; } = "";
    /// <summary>JSON of <see cref="OutboxProgress"/> left by earlier attempts, or null.</summary>
    public string? Progress { get; init; }
}

/// <summary>A dead row as the admin list shows it (no payload: ids only live there, but the list need not show them).</summary>
public sealed record OutboxDeadRow
{
    public long Id { get; init; }
    public string Topic { get; init; } = "";
    public string? OrderingKey { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime DeadAt { get; init; }
}

/// <summary>Counts for dashboards, benchmarks and tests.</summary>
public sealed record OutboxCounts
{
    public long Pending { get; init; }
    public long Sent { get; init; }
    public long Dead { get; init; }
}

/// <summary>The dispatcher's side of the outbox: claim, mark sent, retry or bury, and the admin list.</summary>
public sealed partial class OutboxStore
{
    // Step 1 of a claim: a plain read of the first due rows (no locks yet, so a backlog is never locked wholesale).
    private const string CandidateIdsSql = """
        SELECT id
          FROM outbox
         WHERE sent_at IS NULL
           AND dead_at IS NULL
           AND next_attempt_at <= @Now
           AND topic IN @Topics
         ORDER BY id
         LIMIT @Scan
        """;

    // Step 2: lock those rows by primary key, skipping any another dispatcher is claiming right now,
    // and re-check them: they may have been claimed and committed since step 1.
    private const string LockCandidatesSql = $"""
        SELECT id AS {nameof(OutboxRow.Id)}, topic AS {nameof(OutboxRow.Topic)}, ordering_key AS {nameof(OutboxRow.OrderingKey)},
               payload AS {nameof(OutboxRow.Payload)}, attempts AS {nameof(OutboxRow.Attempts)},
               progress AS {nameof(OutboxRow.Progress)}
          FROM outbox
         WHERE id IN @Ids
           AND sent_at IS NULL
           AND dead_at IS NULL
           AND next_attempt_at <= @Now
         ORDER BY id
           FOR UPDATE SKIP LOCKED
        """;

    // Step 3: a plain read of the oldest open row per ordering key. Only that row may go; a row claimed
    // or being claimed elsewhere is still open here, so its successors wait.
    private const string HeadsSql = """
        SELECT ordering_key AS OrderingKey, MIN(id) AS HeadId
          FROM outbox
         WHERE ordering_key IN @Keys
           AND sent_at IS NULL
           AND dead_at IS NULL
         GROUP BY ordering_key
        """;

    // Step 4: take the lease. next_attempt_at becomes the lease end, so a crashed dispatcher's rows come back.
    private const string LeaseSql = """
        UPDATE outbox
           SET claim_token = @Token, next_attempt_at = @LeaseUntil, attempts = attempts + 1
         WHERE id IN @Ids
        """;

    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows of <paramref name="topics"/> for <paramref name="lease"/>, in id order,
    /// never waiting for rows other dispatchers hold (<c>FOR UPDATE SKIP LOCKED</c>), and only the oldest open row of each
    /// ordering key. An empty answer can also mean that another dispatcher is claiming the same rows at this moment
    /// (see <see cref="AnyClaimableAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<OutboxRow>> ClaimDueAsync(
        MySqlConnection conn, IReadOnlyCollection<string> topics, int limit, TimeSpan lease, CancellationToken ct)
    {
        if (topics.Count == 0 || limit <= 0) return [];
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        var ids = (await conn.QueryAsync<long>(new CommandDefinition(
            CandidateIdsSql, new { Now = now, Topics = topics, Scan = limit * 4 }, tx, cancellationToken: ct))).AsList();
        var candidates = ids.Count == 0
            ? []
            : (await conn.QueryAsync<OutboxRow>(new CommandDefinition(LockCandidatesSql, new { Ids = ids, Now = now }, tx, cancellationToken: ct))).AsList();
        if (candidates.Count == 0)
        {
            await tx.CommitAsync(ct);
            return [];
        }

        var keys = candidates.Where(c => c.OrderingKey is not null).Select(c => c.OrderingKey!).Distinct().ToList();
        var heads = keys.Count == 0
            ? new Dictionary<string, long>()
            : (await conn.QueryAsync<(string OrderingKey, long HeadId)>(new CommandDefinition(HeadsSql, new { Keys = keys }, tx, cancellationToken: ct)))
                .ToDictionary(h => h.OrderingKey, h => h.HeadId, StringComparer.Ordinal);

        var chosen = candidates
            .Where(c => c.OrderingKey is null || (heads.TryGetValue(c.OrderingKey, out var head) && head == c.Id))
            .Take(limit)
            .ToList();
        if (chosen.Count == 0)
        {
            await tx.CommitAsync(ct);
            return [];
        }

        var token = Guid.NewGuid().ToString("N");
        await conn.ExecuteAsync(new CommandDefinition(
            LeaseSql, new { Token = token, LeaseUntil = now + lease, Ids = chosen.Select(c => c.Id).ToList() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return chosen.Select(c => c with { Attempts = c.Attempts + 1, ClaimToken = token }).ToList();
    }

    private const string AnyClaimableSql = """
        SELECT EXISTS (
            SELECT 1
              FROM outbox o
             WHERE o.sent_at IS NULL
               AND o.dead_at IS NULL
               AND o.next_attempt_at <= @Now
               AND o.topic IN @Topics
               AND NOT EXISTS (
                   SELECT 1
                     FROM outbox p
                    WHERE p.ordering_key = o.ordering_key
                      AND p.id < o.id
                      AND p.sent_at IS NULL
                      AND p.dead_at IS NULL))
        """;

    /// <summary>
    /// True when some row could be claimed now (due, and first of its ordering key). After an empty claim this means
    /// another dispatcher held the rows for a moment: try again shortly rather than stop.
    /// </summary>
    public async Task<bool> AnyClaimableAsync(MySqlConnection conn, IReadOnlyCollection<string> topics, CancellationToken ct) =>
        topics.Count > 0 && await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            AnyClaimableSql, new { Now = clock.GetUtcNow().UtcDateTime, Topics = topics }, cancellationToken: ct));

    private const string MarkSentSql = """
        UPDATE outbox
           SET sent_at = @Now, claim_token = NULL, last_error = NULL,
               payload = IF(topic IN @Forgotten, '{}', payload), progress = IF(topic IN @Forgotten, NULL, progress)
         WHERE id = @Id
           AND claim_token = @Token
        """;

    /// <summary>Topics whose rows carry what someone wrote in a chat and who they are: once sent, the payload is emptied.</summary>
    public static readonly IReadOnlyList<string> ForgottenOnceSent = [Chatbot.ChatbotReplyRenderer.ReplyTopic];

    /// <summary>Records the send. False when the lease was lost (another dispatcher re-claimed the row after it expired).</summary>
    public async Task<bool> MarkSentAsync(MySqlConnection conn, OutboxRow row, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(
            MarkSentSql, new { Now = clock.GetUtcNow().UtcDateTime, row.Id, Token = row.ClaimToken, Forgotten = ForgottenOnceSent }, cancellationToken: ct)) == 1;

    private const string MarkFailedSql = """
        UPDATE outbox
           SET claim_token = NULL, last_error = @Error, next_attempt_at = @NextAttemptAt, dead_at = @DeadAt,
               progress = COALESCE(@Progress, progress)
         WHERE id = @Id
           AND claim_token = @Token
        """;

    /// <summary>
    /// Releases the row for a retry at <paramref name="nextAttemptAt"/>, or buries it when <paramref name="dead"/>;
    /// <paramref name="progress"/> (JSON), when given, records what this attempt did deliver.
    /// </summary>
    public async Task<bool> MarkFailedAsync(
        MySqlConnection conn, OutboxRow row, string error, DateTimeOffset nextAttemptAt, bool dead, CancellationToken ct, string? progress = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var args = new
        {
            row.Id,
            Token = row.ClaimToken,
            Error = error.Length > 1000 ? error[..1000] : error,
            NextAttemptAt = dead ? now : nextAttemptAt.UtcDateTime,
            DeadAt = dead ? now : (DateTime?)null,
            Progress = progress,
        };
        return await conn.ExecuteAsync(new CommandDefinition(MarkFailedSql, args, cancellationToken: ct)) == 1;
    }

    private const string ListDeadSql = $"""
        SELECT id AS {nameof(OutboxDeadRow.Id)}, topic AS {nameof(OutboxDeadRow.Topic)}, ordering_key AS {nameof(OutboxDeadRow.OrderingKey)},
               attempts AS {nameof(OutboxDeadRow.Attempts)}, last_error AS {nameof(OutboxDeadRow.LastError)},
               created_at AS {nameof(OutboxDeadRow.CreatedAt)}, dead_at AS {nameof(OutboxDeadRow.DeadAt)}
          FROM outbox
         WHERE dead_at IS NOT NULL
           AND sent_at IS NULL
           AND id < @BeforeId
         ORDER BY id DESC
         LIMIT @Limit
        """;

    /// <summary>Dead rows, newest first; page with <paramref name="beforeId"/> (the last id of the previous page).</summary>
    public async Task<IReadOnlyList<OutboxDeadRow>> ListDeadAsync(MySqlConnection conn, int limit, long? beforeId, CancellationToken ct) =>
        (await conn.QueryAsync<OutboxDeadRow>(new CommandDefinition(
            ListDeadSql, new { Limit = limit, BeforeId = beforeId ?? long.MaxValue }, cancellationToken: ct))).AsList();

    private const string RetryDeadSql = """
        UPDATE outbox
           SET dead_at = NULL, attempts = 0, next_attempt_at = @Now, claim_token = NULL
         WHERE id = @Id
           AND dead_at IS NOT NULL
           AND sent_at IS NULL
        """;

    /// <summary>Puts a dead row back in the queue with a fresh attempt budget. False if it is not dead (unknown, pending or sent).</summary>
    public async Task<bool> RetryDeadAsync(MySqlConnection conn, long id, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(
            RetryDeadSql, new { Id = id, Now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct)) == 1;

    private const string CountsSql = $"""
        SELECT CAST(COALESCE(SUM(sent_at IS NULL AND dead_at IS NULL), 0) AS SIGNED) AS {nameof(OutboxCounts.Pending)},
               CAST(COALESCE(SUM(sent_at IS NOT NULL), 0) AS SIGNED) AS {nameof(OutboxCounts.Sent)},
               CAST(COALESCE(SUM(sent_at IS NULL AND dead_at IS NOT NULL), 0) AS SIGNED) AS {nameof(OutboxCounts.Dead)}
          FROM outbox
        """;

    public async Task<OutboxCounts> CountAsync(MySqlConnection conn, CancellationToken ct) =>
        await conn.QuerySingleAsync<OutboxCounts>(new CommandDefinition(CountsSql, cancellationToken: ct));
}
