using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Clues;

/// <summary>All SQL of the clue aggregate: clues, their timeline, their numbers, and action idempotency keys.</summary>
public sealed partial class ClueStore
{
    private const string Columns = $"""
        id AS {nameof(ClueRow.Id)}, number AS {nameof(ClueRow.Number)}, school_id AS {nameof(ClueRow.SchoolId)},
        town_id AS {nameof(ClueRow.TownId)}, item_no AS {nameof(ClueRow.ItemNo)}, line_code AS {nameof(ClueRow.LineCode)},
        description AS {nameof(ClueRow.Description)}, location AS {nameof(ClueRow.Location)},
        latitude AS {nameof(ClueRow.Latitude)}, longitude AS {nameof(ClueRow.Longitude)},
        attachments AS {nameof(ClueRow.Attachments)}, reporter_user_id AS {nameof(ClueRow.ReporterUserId)},
        created_at AS {nameof(ClueRow.CreatedAt)}, updated_at AS {nameof(ClueRow.UpdatedAt)},
        state AS {nameof(ClueRow.State)}, tier AS {nameof(ClueRow.Tier)}, unit_id AS {nameof(ClueRow.UnitId)},
        assignee_user_id AS {nameof(ClueRow.AssigneeUserId)}, unrouted AS {nameof(ClueRow.Unrouted)}, due_at AS {nameof(ClueRow.DueAt)},
        escalated_from_unit_id AS {nameof(ClueRow.EscalatedFromUnitId)}, escalated_from_tier AS {nameof(ClueRow.EscalatedFromTier)},
        city_escalation_barred AS {nameof(ClueRow.CityEscalationBarred)}, dispatching_unit_id AS {nameof(ClueRow.DispatchingUnitId)},
        grid_event_id AS {nameof(ClueRow.GridEventId)}, supervised AS {nameof(ClueRow.Supervised)},
        supervision_due_at AS {nameof(ClueRow.SupervisionDueAt)}, resolved_at AS {nameof(ClueRow.ResolvedAt)},
        resolved_unit_id AS {nameof(ClueRow.ResolvedUnitId)}, resolved_tier AS {nameof(ClueRow.ResolvedTier)},
        pending_request AS {nameof(ClueRow.PendingRequest)}, requested_by_user_id AS {nameof(ClueRow.RequestedByUserId)},
        requested_due_at AS {nameof(ClueRow.RequestedDueAt)}, extensions_at_tier AS {nameof(ClueRow.ExtensionsAtTier)},
        rating AS {nameof(ClueRow.Rating)}, rated_at AS {nameof(ClueRow.RatedAt)}, rating_due_at AS {nameof(ClueRow.RatingDueAt)},
        redo AS {nameof(ClueRow.Redo)}, version AS {nameof(ClueRow.Version)}
        """;

    private const string ReserveNumbersSql = """
        INSERT INTO clue_number_counters (day, last_seq) VALUES (@Day, LAST_INSERT_ID(@Count))
        ON DUPLICATE KEY UPDATE last_seq = LAST_INSERT_ID(last_seq + @Count);
        SELECT LAST_INSERT_ID();
        """;

    /// <summary>Reserves the day's next <paramref name="count"/> sequence numbers in a transaction of its own; returns the last one.</summary>
    public async Task<int> ReserveNumbersAsync(MySqlDataSource db, DateOnly day, int count, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(ReserveNumbersSql, new { Day = day.ToDateTime(TimeOnly.MinValue), Count = count }, cancellationToken: ct));
    }

    private const string DuplicateSql = """
        SELECT number
          FROM clues
         WHERE school_id = @SchoolId AND item_no = @ItemNo AND created_at >= @DuplicateSince AND created_at <= @CreatedAt
           AND number <> @Number AND state NOT IN ('Resolved', 'Withdrawn')
         ORDER BY created_at DESC
         LIMIT 1
        """;

    private static readonly string InsertReportedSql = $"""
        SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
        START TRANSACTION;
        {DuplicateSql};
        INSERT INTO clues (number, school_id, town_id, item_no, line_code, description, location, latitude, longitude,
                           attachments, reporter_user_id, created_at, updated_at, state, tier, unit_id, assignee_user_id,
                           unrouted, due_at, version)
        VALUES (@Number, @SchoolId, @TownId, @ItemNo, @LineCode, @Description, @Location, @Latitude, @Longitude,
                @Attachments, @ReporterUserId, @CreatedAt, @UpdatedAt, @State, @Tier, @UnitId, @AssigneeUserId,
                @Unrouted, @DueAt, 1);
        SET {NewClueId} = LAST_INSERT_ID();
        INSERT INTO clue_events (clue_id, action, actor_user_id, actor_label, occurred_at, to_state, to_unit_id, to_tier, version, attachments)
        VALUES ({NewClueId}, 'Report', @ReporterUserId, @ActorLabel, @CreatedAt, @State, @UnitId, @Tier, 1, @Attachments);
        {RecordReportedUnitSql(NewClueId)}
        INSERT INTO idempotency_keys (scope, idem_key, outcome, created_at)
        VALUES (@Scope, @Key, JSON_OBJECT('clueId', {NewClueId}), @CreatedAt);
        """;

    /// <summary>
    /// The new clue's id inside <see cref="InsertReportedAsync"/>'s batch: a user variable, so the batch needs a
    /// connection from the data source that allows them (<see cref="Db.UserVariables"/>).
    /// </summary>
    public const string NewClueId = "@new_clue_id";

    /// <summary>
    /// A new clue as one transaction in one round trip (its own READ COMMITTED transaction, begun and
    /// committed in the batch): the number of an open clue of the same school and item since
    /// <paramref name="duplicateSince"/> if there is one (a plain read: a locking one deadlocks with
    /// concurrent reports), the clue, its first timeline event, its idempotency key (a repeated key fails
    /// here on the primary key, 1062), and whatever <paramref name="alsoInTransaction"/> adds, which may use
    /// <see cref="NewClueId"/>. If the batch fails part-way, the transaction is rolled back here.
    /// </summary>
    public async Task<(long Id, string? DuplicateOf)> InsertReportedAsync(MySqlConnection conn, ClueRow c, string actorLabel,
        string scope, string key, DateTime duplicateSince, Func<DynamicParameters, string> alsoInTransaction, CancellationToken ct)
    {
        var args = new DynamicParameters(Args(c));
        args.Add("ActorLabel", actorLabel);
        args.Add("Scope", scope);
        args.Add("Key", key);
        args.Add("DuplicateSince", duplicateSince);
        var sql = $"{InsertReportedSql}\n{alsoInTransaction(args)};\n{SummariseReportedSql};\nCOMMIT;\nSELECT {NewClueId};";
        try
        {
            using var results = await conn.QueryMultipleAsync(new CommandDefinition(sql, args, cancellationToken: ct));
            var duplicateOf = await results.ReadSingleOrDefaultAsync<string?>();
            var id = await results.ReadSingleAsync<long>();
            return (id, duplicateOf);
        }
        catch
        {
            // The server stops at the failing statement and leaves the transaction open (a deadlock has
            // already rolled it back; ROLLBACK is then harmless). If the session itself is broken, the pool's
            // reset rolls back instead, and the original error is the one that matters.
            if (conn.State == System.Data.ConnectionState.Open)
            {
                try { await conn.ExecuteAsync(new CommandDefinition("ROLLBACK", cancellationToken: CancellationToken.None)); }
                catch (Exception e) when (e is MySqlException or InvalidOperationException or IOException) { }
            }
            throw;
        }
    }

    /// <summary>The duplicate hint of a clue as it was reported (for a repeated report key).</summary>
    public Task<string?> DuplicateOfAsync(MySqlConnection conn, ClueRow c, DateTime duplicateSince, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(DuplicateSql,
            new { c.SchoolId, c.ItemNo, DuplicateSince = duplicateSince, c.CreatedAt, c.Number }, cancellationToken: ct));

    /// <summary>A stored outcome, read outside any transaction (after a repeated key rolled one back).</summary>
    public async Task<string?> FindOutcomeAsync(MySqlDataSource db, string scope, string key, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(FindOutcomeSql, new { Scope = scope, Key = key }, cancellationToken: ct));
    }

    private const string LockSql = $"SELECT {Columns} FROM clues WHERE id = @Id FOR UPDATE";

    public Task<ClueRow?> LockAsync(MySqlConnection conn, MySqlTransaction tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ClueRow>(new CommandDefinition(LockSql, new { Id = id }, tx, cancellationToken: ct));

    private const string GetSql = $"SELECT {Columns} FROM clues WHERE id = @Id";

    public Task<ClueRow?> GetAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ClueRow>(new CommandDefinition(GetSql, new { Id = id }, tx, cancellationToken: ct));

    private const string UpdateSql = """
        UPDATE clues
           SET item_no = @ItemNo, line_code = @LineCode, updated_at = @UpdatedAt, state = @State, tier = @Tier,
               unit_id = @UnitId, assignee_user_id = @AssigneeUserId, unrouted = @Unrouted, due_at = @DueAt,
               escalated_from_unit_id = @EscalatedFromUnitId, escalated_from_tier = @EscalatedFromTier,
               city_escalation_barred = @CityEscalationBarred, dispatching_unit_id = @DispatchingUnitId,
               grid_event_id = @GridEventId, supervised = @Supervised, supervision_due_at = @SupervisionDueAt,
               resolved_at = @ResolvedAt, resolved_unit_id = @ResolvedUnitId, resolved_tier = @ResolvedTier,
               pending_request = @PendingRequest, requested_by_user_id = @RequestedByUserId, requested_due_at = @RequestedDueAt,
               extensions_at_tier = @ExtensionsAtTier, rating = @Rating, rated_at = @RatedAt, rating_due_at = @RatingDueAt, redo = @Redo,
               version = @Version
         WHERE id = @Id AND version = @ExpectedVersion
        """;

    /// <summary>The update with the clue taken out of the statistics' summary before and put back after (one round trip).</summary>
    private static readonly string UpdateSummarisedSql = $"""
        {UnsummariseSql("c.id = @Id")}
        {UpdateSql};
        SELECT ROW_COUNT();
        {SummariseSql("c.id = @Id")}
        """;

    /// <summary>Writes the clue's new state (and its summary); 1 row, or 0 when the version moved on (which a held lock rules out).</summary>
    public async Task<int> UpdateAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow c, int expectedVersion, CancellationToken ct)
    {
        var args = new DynamicParameters(Args(c));
        args.Add("Id", c.Id);
        args.Add("ExpectedVersion", expectedVersion);
        using var results = await conn.QueryMultipleAsync(new CommandDefinition(UpdateSummarisedSql, args, tx, cancellationToken: ct));
        return await results.ReadSingleAsync<int>();
    }

    private static object Args(ClueRow c) => new
    {
        c.Number, c.SchoolId, c.TownId, c.ItemNo, c.LineCode, c.Description, c.Location, c.Latitude, c.Longitude,
        c.Attachments, c.ReporterUserId, c.CreatedAt, c.UpdatedAt, State = c.State.ToString(), Tier = c.Tier.ToString(),
        c.UnitId, c.AssigneeUserId, c.Unrouted, c.DueAt, c.EscalatedFromUnitId, EscalatedFromTier = c.EscalatedFromTier?.ToString(),
        c.CityEscalationBarred, c.DispatchingUnitId, c.GridEventId, c.Supervised, c.SupervisionDueAt, c.ResolvedAt,
        c.ResolvedUnitId, ResolvedTier = c.ResolvedTier?.ToString(), PendingRequest = c.PendingRequest?.ToString(), c.RequestedByUserId,
        c.RequestedDueAt, c.ExtensionsAtTier, Rating = c.Rating?.ToString(), c.RatedAt, c.RatingDueAt, c.Redo, c.Version,
    };

    private const string AppendEventSql = """
        INSERT INTO clue_events (clue_id, action, actor_user_id, actor_label, occurred_at, from_state, to_state,
                                 from_unit_id, to_unit_id, from_tier, to_tier, version, note, attachments)
        VALUES (@ClueId, @Action, @ActorUserId, @ActorLabel, @OccurredAt, @FromState, @ToState,
                @FromUnitId, @ToUnitId, @FromTier, @ToTier, @Version, @Note, @Attachments)
        """;

    /// <summary>The event with the clue taken out of the statistics' summary before and put back after (its milestones count there), and its units recorded for the lists (<c>clue_units</c>).</summary>
    private static readonly string AppendEventSummarisedSql = $"""
        {UnsummariseSql("c.id = @ClueId")}
        {AppendEventSql};
        {RecordUnitsSql("@ClueId", "@FromUnitId", "@ToUnitId")}
        {AcceptedSql("c.id = @ClueId")}
        {SummariseSql("c.id = @ClueId")}
        """;

    /// <summary>Appends to the timeline (and keeps the clue's summary and units). There is no statement that changes or removes an event.</summary>
    public Task AppendEventAsync(MySqlConnection conn, MySqlTransaction tx, ClueEventRow e, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(AppendEventSummarisedSql, new
        {
            e.ClueId, Action = e.Action.ToString(), e.ActorUserId, e.ActorLabel, e.OccurredAt, FromState = e.FromState?.ToString(),
            ToState = e.ToState.ToString(), e.FromUnitId, e.ToUnitId, FromTier = e.FromTier?.ToString(), ToTier = e.ToTier.ToString(),
            e.Version, e.Note, e.Attachments,
        }, tx, cancellationToken: ct));

    private const string EventsSql = $"""
        SELECT id AS {nameof(ClueEventRow.Id)}, clue_id AS {nameof(ClueEventRow.ClueId)}, action AS {nameof(ClueEventRow.Action)},
               actor_user_id AS {nameof(ClueEventRow.ActorUserId)}, actor_label AS {nameof(ClueEventRow.ActorLabel)},
               occurred_at AS {nameof(ClueEventRow.OccurredAt)}, from_state AS {nameof(ClueEventRow.FromState)},
               to_state AS {nameof(ClueEventRow.ToState)}, from_unit_id AS {nameof(ClueEventRow.FromUnitId)},
               to_unit_id AS {nameof(ClueEventRow.ToUnitId)}, from_tier AS {nameof(ClueEventRow.FromTier)},
               to_tier AS {nameof(ClueEventRow.ToTier)}, version AS {nameof(ClueEventRow.Version)},
               note AS {nameof(ClueEventRow.Note)}, attachments AS {nameof(ClueEventRow.Attachments)}
          FROM clue_events
         WHERE clue_id = @ClueId
         ORDER BY id
        """;

    public async Task<IReadOnlyList<ClueEventRow>> EventsAsync(MySqlConnection conn, MySqlTransaction? tx, long clueId, CancellationToken ct) =>
        (await conn.QueryAsync<ClueEventRow>(new CommandDefinition(EventsSql, new { ClueId = clueId }, tx, cancellationToken: ct))).AsList();

    private const string PastUnitsSql = """
        SELECT from_unit_id FROM clue_events WHERE clue_id = @ClueId AND from_unit_id IS NOT NULL
        UNION
        SELECT to_unit_id FROM clue_events WHERE clue_id = @ClueId AND to_unit_id IS NOT NULL
        """;

    /// <summary>Every unit that has held the clue (their staff may still read it).</summary>
    public async Task<IReadOnlySet<long>> PastUnitsAsync(MySqlConnection conn, MySqlTransaction? tx, long clueId, CancellationToken ct) =>
        (await conn.QueryAsync<long>(new CommandDefinition(PastUnitsSql, new { ClueId = clueId }, tx, cancellationToken: ct))).ToHashSet();

    private const string LastActedSql = """
        SELECT MAX(occurred_at) FROM clue_events WHERE clue_id = @ClueId AND action = @Action AND actor_user_id = @UserId
        """;

    /// <summary>When this person last took this action on the clue (the urge limit).</summary>
    public Task<DateTime?> LastActedAsync(MySqlConnection conn, MySqlTransaction tx, long clueId, ClueAction action, long userId, CancellationToken ct) =>
        conn.ExecuteScalarAsync<DateTime?>(new CommandDefinition(LastActedSql, new { ClueId = clueId, Action = action.ToString(), UserId = userId }, tx, cancellationToken: ct));

    private const string ExpiringRatingsSql = """
        SELECT id FROM clues
         WHERE state = 'Resolved' AND rating IS NULL AND rating_due_at < @Now
           AND (@ClueId IS NULL OR id = @ClueId)
         ORDER BY id
           FOR UPDATE
        """;

    /// <summary>The expiry with the clues taken out of the statistics' summary before and put back after.</summary>
    private static readonly string ExpireRatingsSql = $"""
        {UnsummariseSql("c.id IN @Ids")}
        UPDATE clues SET rating = 'Unrated' WHERE id IN @Ids AND rating IS NULL;
        {SummariseSql("c.id IN @Ids")}
        """;

    /// <summary>
    /// Resolved clues whose rating time has passed without a rating count as 未评价 (never as satisfied), in the summary too;
    /// returns their ids (locked until the caller's transaction ends).
    /// </summary>
    public async Task<IReadOnlyList<long>> ExpireRatingsAsync(MySqlConnection conn, MySqlTransaction tx, DateTime nowUtc, long? clueId, CancellationToken ct)
    {
        var ids = (await conn.QueryAsync<long>(new CommandDefinition(ExpiringRatingsSql, new { Now = nowUtc, ClueId = clueId }, tx, cancellationToken: ct))).AsList();
        if (ids.Count > 0) await conn.ExecuteAsync(new CommandDefinition(ExpireRatingsSql, new { Ids = ids }, tx, cancellationToken: ct));
        return ids;
    }

    private const string FindOutcomeSql = "SELECT outcome FROM idempotency_keys WHERE scope = @Scope AND idem_key = @Key";

    public Task<string?> FindOutcomeAsync(MySqlConnection conn, MySqlTransaction tx, string scope, string key, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(FindOutcomeSql, new { Scope = scope, Key = key }, tx, cancellationToken: ct));

    private const string SaveOutcomeSql = """
        INSERT INTO idempotency_keys (scope, idem_key, outcome, created_at) VALUES (@Scope, @Key, @Outcome, @Now)
        """;

    /// <summary>Records the outcome under its key; a second writer of the same key fails on the primary key.</summary>
    public Task SaveOutcomeAsync(MySqlConnection conn, MySqlTransaction tx, string scope, string key, string outcomeJson, DateTime nowUtc, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(SaveOutcomeSql, new { Scope = scope, Key = key, Outcome = outcomeJson, Now = nowUtc }, tx, cancellationToken: ct));
}
