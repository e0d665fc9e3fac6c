using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Clues;

/// <summary>All SQL of the clue aggregate: clues, their timeline, their numbers, and action idempotency keys.</summary>
public sealed class ClueStore
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
        version AS {nameof(ClueRow.Version)}
        """;

    private const string FinishReportSql = """
        INSERT INTO clue_events (clue_id, action, actor_user_id, actor_label, occurred_at, from_state, to_state,
                                 from_unit_id, to_unit_id, from_tier, to_tier, version, note, attachments)
        VALUES (@ClueId, @Action, @ActorUserId, @ActorLabel, @OccurredAt, NULL, @ToState,
                NULL, @ToUnitId, NULL, @ToTier, 1, NULL, @Attachments);
        INSERT INTO clue_number_counters (day, last_seq) VALUES (@Day, LAST_INSERT_ID(1))
        ON DUPLICATE KEY UPDATE last_seq = LAST_INSERT_ID(last_seq + 1);
        UPDATE clues SET number = CONCAT(@Prefix, LPAD(LAST_INSERT_ID(), GREATEST(4, CHAR_LENGTH(LAST_INSERT_ID())), '0')) WHERE id = @ClueId;
        INSERT INTO idempotency_keys (scope, idem_key, outcome, created_at)
        SELECT @Scope, @Key, REPLACE(@Outcome, @Placeholder, number), @OccurredAt FROM clues WHERE id = @ClueId;
        SELECT number FROM clues WHERE id = @ClueId;
        """;

    /// <summary>
    /// The last statements of a report, in one round trip: the timeline's first event, the day's next
    /// number (<c>XA20261129-0007</c>; the day's counter row stays locked only from here to the commit),
    /// and the outcome under its idempotency key with <paramref name="placeholder"/> replaced by the number.
    /// A repeated key fails here on the primary key (1062). Returns the number.
    /// </summary>
    public Task<string> FinishReportAsync(MySqlConnection conn, MySqlTransaction tx, ClueEventRow first, DateOnly day,
        string scope, string key, string outcomeJson, string placeholder, CancellationToken ct) =>
        conn.ExecuteScalarAsync<string>(new CommandDefinition(FinishReportSql, new
        {
            first.ClueId, Action = first.Action.ToString(), first.ActorUserId, first.ActorLabel, first.OccurredAt,
            ToState = first.ToState.ToString(), first.ToUnitId, ToTier = first.ToTier.ToString(), first.Attachments,
            Day = day.ToDateTime(TimeOnly.MinValue), Prefix = $"XA{day:yyyyMMdd}-",
            Scope = scope, Key = key, Outcome = outcomeJson, Placeholder = placeholder,
        }, tx, cancellationToken: ct))!;

    private const string FindOutcomeNowSql = "SELECT outcome FROM idempotency_keys WHERE scope = @Scope AND idem_key = @Key";

    /// <summary>A stored outcome, read outside any transaction (after a repeated key rolled one back).</summary>
    public async Task<string?> FindOutcomeAsync(MySqlDataSource db, string scope, string key, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(FindOutcomeNowSql, new { Scope = scope, Key = key }, cancellationToken: ct));
    }

    private const string InsertSql = """
        INSERT INTO clues (number, school_id, town_id, item_no, line_code, description, location, latitude, longitude,
                           attachments, reporter_user_id, created_at, updated_at, state, tier, unit_id, assignee_user_id,
                           unrouted, due_at, version)
        VALUES (@Number, @SchoolId, @TownId, @ItemNo, @LineCode, @Description, @Location, @Latitude, @Longitude,
                @Attachments, @ReporterUserId, @CreatedAt, @UpdatedAt, @State, @Tier, @UnitId, @AssigneeUserId,
                @Unrouted, @DueAt, @Version);
        SELECT LAST_INSERT_ID();
        """;

    public Task<long> InsertAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow c, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, Args(c), tx, cancellationToken: ct));

    private const string LockSql = $"SELECT {Columns} FROM clues WHERE id = @Id FOR UPDATE";

    public Task<ClueRow?> LockAsync(MySqlConnection conn, MySqlTransaction tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ClueRow>(new CommandDefinition(LockSql, new { Id = id }, tx, cancellationToken: ct));

    private const string GetSql = $"SELECT {Columns} FROM clues WHERE id = @Id";

    public Task<ClueRow?> GetAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ClueRow>(new CommandDefinition(GetSql, new { Id = id }, tx, cancellationToken: ct));

    private const string GetByNumberSql = $"SELECT {Columns} FROM clues WHERE number = @Number";

    public Task<ClueRow?> GetByNumberAsync(MySqlConnection conn, MySqlTransaction? tx, string number, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ClueRow>(new CommandDefinition(GetByNumberSql, new { Number = number }, tx, cancellationToken: ct));

    private const string UpdateSql = """
        UPDATE clues
           SET item_no = @ItemNo, line_code = @LineCode, updated_at = @UpdatedAt, state = @State, tier = @Tier,
               unit_id = @UnitId, assignee_user_id = @AssigneeUserId, unrouted = @Unrouted, due_at = @DueAt,
               escalated_from_unit_id = @EscalatedFromUnitId, escalated_from_tier = @EscalatedFromTier,
               city_escalation_barred = @CityEscalationBarred, dispatching_unit_id = @DispatchingUnitId,
               grid_event_id = @GridEventId, supervised = @Supervised, supervision_due_at = @SupervisionDueAt,
               resolved_at = @ResolvedAt, resolved_unit_id = @ResolvedUnitId, resolved_tier = @ResolvedTier,
               version = @Version
         WHERE id = @Id AND version = @ExpectedVersion
        """;

    /// <summary>Writes the clue's new state; 1 row, or 0 when the version moved on (which a held lock rules out).</summary>
    public Task<int> UpdateAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow c, int expectedVersion, CancellationToken ct)
    {
        var args = new DynamicParameters(Args(c));
        args.Add("Id", c.Id);
        args.Add("ExpectedVersion", expectedVersion);
        return conn.ExecuteAsync(new CommandDefinition(UpdateSql, args, tx, cancellationToken: ct));
    }

    private static object Args(ClueRow c) => new
    {
        c.Number, c.SchoolId, c.TownId, c.ItemNo, c.LineCode, c.Description, c.Location, c.Latitude, c.Longitude,
        c.Attachments, c.ReporterUserId, c.CreatedAt, c.UpdatedAt, State = c.State.ToString(), Tier = c.Tier.ToString(),
        c.UnitId, c.AssigneeUserId, c.Unrouted, c.DueAt, c.EscalatedFromUnitId, EscalatedFromTier = c.EscalatedFromTier?.ToString(),
        c.CityEscalationBarred, c.DispatchingUnitId, c.GridEventId, c.Supervised, c.SupervisionDueAt, c.ResolvedAt,
        c.ResolvedUnitId, ResolvedTier = c.ResolvedTier?.ToString(), c.Version,
    };

    private const string AppendEventSql = """
        INSERT INTO clue_events (clue_id, action, actor_user_id, actor_label, occurred_at, from_state, to_state,
                                 from_unit_id, to_unit_id, from_tier, to_tier, version, note, attachments)
        VALUES (@ClueId, @Action, @ActorUserId, @ActorLabel, @OccurredAt, @FromState, @ToState,
                @FromUnitId, @ToUnitId, @FromTier, @ToTier, @Version, @Note, @Attachments)
        """;

    /// <summary>Appends to the timeline. There is no statement that changes or removes an event.</summary>
    public Task AppendEventAsync(MySqlConnection conn, MySqlTransaction tx, ClueEventRow e, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(AppendEventSql, new
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

    private const string OpenDuplicateSql = """
        SELECT number
          FROM clues
         WHERE school_id = @SchoolId AND item_no = @ItemNo AND created_at >= @Since
           AND state NOT IN ('Resolved', 'Withdrawn')
         ORDER BY created_at DESC
         LIMIT 1
        """;

    /// <summary>An open clue of the same school and item reported since <paramref name="sinceUtc"/>, if any.</summary>
    public Task<string?> OpenDuplicateAsync(MySqlConnection conn, MySqlTransaction? tx, long schoolId, int itemNo, DateTime sinceUtc, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(OpenDuplicateSql, new { SchoolId = schoolId, ItemNo = itemNo, Since = sinceUtc }, tx, cancellationToken: ct));

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
