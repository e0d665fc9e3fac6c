using MySqlConnector;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Grid;

/// <summary>
/// What the four platforms do to a clue, as clue actions by the system actor <see cref="ActorRef.GridPlatform"/>: each
/// through <see cref="ClueService"/> (one transaction, a timeline event, card refreshes and cards to the dispatching
/// unit), under an idempotency key of the gateway's answer or push, so a repeat changes nothing.
/// </summary>
public sealed class GridService(MySqlDataSource db, ClueService clues, ClueStore store, GridStore grid)
{
    private const int ConflictRetries = 5;

    /// <summary>The gateway accepted: keep its event id on the clue and say so on the timeline.</summary>
    public async Task<ActionOutcome> AcceptedAsync(long clueId, string dispatchId, int version, int attempts, string eventId, CancellationToken ct)
    {
        var outcome = await ApplyAsync(clueId, ClueAction.GridAccepted, $"事件编号 {eventId}", eventId, $"grid-dispatch:{dispatchId}", ct);
        await RecordAsync(clueId, dispatchId, version, attempts, GridDispatchState.Accepted, eventId, null, ct);
        return outcome;
    }

    /// <summary>The gateway refused (or could not be reached after every attempt): back to the dispatching unit, who is told.</summary>
    public async Task<ActionOutcome> RefusedAsync(long clueId, string dispatchId, int version, int attempts, string reason, bool failed, CancellationToken ct)
    {
        var note = failed
            ? $"下发四平台未成功：四平台网关多次无法连接（{attempts} 次），请稍后重新申请下发或自行处置。最后一次错误：{reason}"
            : $"四平台拒收：{reason}";
        var outcome = await ApplyAsync(clueId, ClueAction.GridRefused, note, null, $"grid-dispatch:{dispatchId}", ct);
        await RecordAsync(clueId, dispatchId, version, attempts, failed ? GridDispatchState.Failed : GridDispatchState.Refused, null, reason, ct);
        return outcome;
    }

    private async Task RecordAsync(long clueId, string dispatchId, int version, int attempts, GridDispatchState state, string? eventId, string? reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await grid.RecordDispatchAsync(conn, new GridDispatchRow
        {
            DispatchId = dispatchId, ClueId = clueId, ClueVersion = version, State = state, EventId = eventId, Reason = reason, Attempts = attempts,
        }, ct);
    }

    /// <summary>
    /// Applies a system action on the clue's current version (the platforms do not know our versions); someone acting at
    /// the same moment only makes it try again on the new version.
    /// </summary>
    public async Task<ActionOutcome> ApplyAsync(long clueId, ClueAction action, string note, string? eventId, string idempotencyKey, CancellationToken ct)
    {
        for (var i = 0; ; i++)
        {
            int version;
            await using (var conn = await db.OpenConnectionAsync(ct))
                version = (await store.GetAsync(conn, null, clueId, ct))?.Version ?? 0;
            var outcome = await clues.ApplyAsync(new ClueCommand
            {
                ClueId = clueId, Action = action, Version = version, IdempotencyKey = idempotencyKey, Actor = ActorRef.GridPlatform,
                Note = note, GridEventId = eventId,
            }, ct);
            if (outcome.Kind != OutcomeKind.Conflict || i >= ConflictRetries) return outcome;
        }
    }
}
