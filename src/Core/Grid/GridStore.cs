using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Grid;

public enum GridDispatchState { Accepted, Refused, Failed }

/// <summary>One dispatch as the gateway decided it.</summary>
public sealed record GridDispatchRow
{
    public string DispatchId { get; init; } = "";
    public long ClueId { get; init; }
    public int ClueVersion { get; init; }
    public GridDispatchState State { get; init; }
    public string? EventId { get; init; }
    public string? Reason { get; init; }
    public int Attempts { get; init; }
    public DateTime DecidedAt { get; init; }
}

public enum GridPushOutcome { Applied, Kept }

/// <summary>One push from the platforms, as received.</summary>
public sealed record GridPushRow
{
    public string PushId { get; init; } = "";
    public string EventId { get; init; } = "";
    public long ClueId { get; init; }
    public string Kind { get; init; } = "";
    public string? Stage { get; init; }
    public DateTime ReceivedAt { get; init; }
    public GridPushOutcome? Outcome { get; init; }
    public string? OutcomeNote { get; init; }
}

/// <summary>All SQL of the four platforms' hand-off: dispatches, pushes, and the replay cache of push signatures.</summary>
public sealed class GridStore(TimeProvider clock)
{
    private const string DispatchColumns = $"""
        dispatch_id AS {nameof(GridDispatchRow.DispatchId)}, clue_id AS {nameof(GridDispatchRow.ClueId)},
        clue_version AS {nameof(GridDispatchRow.ClueVersion)}, state AS {nameof(GridDispatchRow.State)},
        event_id AS {nameof(GridDispatchRow.EventId)}, reason AS {nameof(GridDispatchRow.Reason)},
        attempts AS {nameof(GridDispatchRow.Attempts)}, decided_at AS {nameof(GridDispatchRow.DecidedAt)}
        """;

    private const string RecordDispatchSql = """
        INSERT INTO grid_dispatches (dispatch_id, clue_id, clue_version, state, event_id, reason, attempts, decided_at)
        VALUES (@DispatchId, @ClueId, @ClueVersion, @State, @EventId, @Reason, @Attempts, @Now)
        ON DUPLICATE KEY UPDATE state = VALUES(state), event_id = VALUES(event_id), reason = VALUES(reason),
                                attempts = VALUES(attempts), decided_at = VALUES(decided_at)
        """;

    public Task RecordDispatchAsync(MySqlConnection conn, GridDispatchRow d, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(RecordDispatchSql, new
        {
            d.DispatchId, d.ClueId, d.ClueVersion, State = d.State.ToString(), d.EventId,
            Reason = d.Reason is { Length: > 500 } r ? r[..500] : d.Reason, d.Attempts, Now = clock.GetUtcNow().UtcDateTime,
        }, cancellationToken: ct));

    private const string DispatchSql = $"SELECT {DispatchColumns} FROM grid_dispatches WHERE dispatch_id = @DispatchId";

    public Task<GridDispatchRow?> DispatchAsync(MySqlConnection conn, string dispatchId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<GridDispatchRow>(new CommandDefinition(DispatchSql, new { DispatchId = dispatchId }, cancellationToken: ct));

    private const string ByEventSql = $"SELECT {DispatchColumns} FROM grid_dispatches WHERE event_id = @EventId";

    public Task<GridDispatchRow?> DispatchByEventAsync(MySqlConnection conn, string eventId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<GridDispatchRow>(new CommandDefinition(ByEventSql, new { EventId = eventId }, cancellationToken: ct));

    private const string OfClueSql = $"SELECT {DispatchColumns} FROM grid_dispatches WHERE clue_id = @ClueId ORDER BY decided_at, dispatch_id";

    /// <summary>Every decided dispatch of a clue, oldest first.</summary>
    public async Task<IReadOnlyList<GridDispatchRow>> DispatchesOfClueAsync(MySqlConnection conn, long clueId, CancellationToken ct) =>
        (await conn.QueryAsync<GridDispatchRow>(new CommandDefinition(OfClueSql, new { ClueId = clueId }, cancellationToken: ct))).AsList();

    private const string TownNameSql = "SELECT name FROM regions WHERE id = @Id";

    /// <summary>The town's name as the dispatch names it.</summary>
    public Task<string?> TownNameAsync(MySqlConnection conn, long townId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(TownNameSql, new { Id = townId }, cancellationToken: ct));

    // ---------------------------------------------------------------- pushes

    private const string InsertPushSql = """
        INSERT IGNORE INTO grid_pushes (push_id, event_id, clue_id, kind, stage, payload, received_at)
        VALUES (@PushId, @EventId, @ClueId, @Kind, @Stage, @Payload, @Now)
        """;

    /// <summary>Stores a push before it is applied. False when its id was seen before (the stored row tells what came of it).</summary>
    public async Task<bool> InsertPushAsync(MySqlConnection conn, GridPushRow p, string payload, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(InsertPushSql, new
        {
            p.PushId, p.EventId, p.ClueId, p.Kind, p.Stage, Payload = payload, Now = clock.GetUtcNow().UtcDateTime,
        }, cancellationToken: ct)) == 1;

    private const string PushColumns = $"""
        push_id AS {nameof(GridPushRow.PushId)}, event_id AS {nameof(GridPushRow.EventId)}, clue_id AS {nameof(GridPushRow.ClueId)},
        kind AS {nameof(GridPushRow.Kind)}, stage AS {nameof(GridPushRow.Stage)}, received_at AS {nameof(GridPushRow.ReceivedAt)},
        outcome AS {nameof(GridPushRow.Outcome)}, outcome_note AS {nameof(GridPushRow.OutcomeNote)}
        """;

    private const string PushSql = $"SELECT {PushColumns} FROM grid_pushes WHERE push_id = @PushId";

    public Task<GridPushRow?> PushAsync(MySqlConnection conn, string pushId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<GridPushRow>(new CommandDefinition(PushSql, new { PushId = pushId }, cancellationToken: ct));

    private const string PushesOfClueSql = $"SELECT {PushColumns} FROM grid_pushes WHERE clue_id = @ClueId ORDER BY received_at, push_id";

    public async Task<IReadOnlyList<GridPushRow>> PushesOfClueAsync(MySqlConnection conn, long clueId, CancellationToken ct) =>
        (await conn.QueryAsync<GridPushRow>(new CommandDefinition(PushesOfClueSql, new { ClueId = clueId }, cancellationToken: ct))).AsList();

    private const string PushOutcomeSql = "UPDATE grid_pushes SET outcome = @Outcome, outcome_note = @Note WHERE push_id = @PushId";

    public Task SetPushOutcomeAsync(MySqlConnection conn, string pushId, GridPushOutcome outcome, string? note, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(PushOutcomeSql, new
        {
            PushId = pushId, Outcome = outcome.ToString(), Note = note is { Length: > 500 } n ? n[..500] : note,
        }, cancellationToken: ct));

    // ---------------------------------------------------------------- replay cache

    private const string RememberSql = "INSERT IGNORE INTO grid_push_signatures (signature, expires_at) VALUES (@Signature, @ExpiresAt)";

    private const string ForgetExpiredSql = "DELETE FROM grid_push_signatures WHERE expires_at < @Now LIMIT 500";

    /// <summary>
    /// Remembers a signature until <paramref name="expiresAt"/>; false when it is already remembered (the same signed push
    /// again: a replay). Expired ones are forgotten on the way (a signature past the window fails the timestamp check anyway).
    /// </summary>
    public async Task<bool> RememberSignatureAsync(MySqlConnection conn, string signature, DateTime expiresAt, CancellationToken ct)
    {
        await conn.ExecuteAsync(new CommandDefinition(ForgetExpiredSql, new { Now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return await conn.ExecuteAsync(new CommandDefinition(RememberSql, new { Signature = signature, ExpiresAt = expiresAt }, cancellationToken: ct)) == 1;
    }
}
