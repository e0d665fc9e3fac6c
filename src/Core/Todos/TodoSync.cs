using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Todos;

/// <summary>Payload of <see cref="TodoSync.GuidanceTopic"/>.</summary>
public sealed record GuidanceRefPayload(long RecordId);

/// <summary>
/// Keeps a clue's (or a guidance record's) DingTalk to-dos in step with it. Every change queues one sync row in its own
/// transaction (<see cref="ForClue"/>, <see cref="ForGuidance"/>), ordered per subject; sending the row works out, under
/// the subject's lock, the duties open now (<see cref="TodoRules"/>), closes the to-dos whose duty ended and opens the new
/// ones in <c>todos</c>, then creates and completes in DingTalk what it has not been told yet. A row sent twice, or an
/// action repeated, finds nothing left to do; a to-do opened and closed before its row is sent costs no call at all.
/// A new to-do is held back through its grace (<see cref="TodoOptions.GraceWorkingDays"/>) and created only once the
/// reminder evaluator has handed it over (<see cref="TodoRelease"/>); one closed before that is never created.
/// </summary>
public sealed partial class TodoSync(
    MySqlDataSource db,
    TodoStore store,
    ClueStore clues,
    GuidanceStore guidance,
    OrganisationStore org,
    WorkingCalendar calendar,
    IOptions<TodoOptions> options,
    IOptions<CardOptions> links,
    TimeProvider clock,
    ILogger<TodoSync> logger)
{
    public const string ClueTopic = "todo.clue.sync";
    public const string GuidanceTopic = "todo.guidance.sync";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool Enabled => options.Value.Enabled;

    /// <summary>The sync row a clue's change queues (none while to-dos are off). Its payload's <c>clueId</c> may be filled in by the report's batch.</summary>
    public IReadOnlyList<OutboxMessage> ForClue(long clueId, int version) =>
        Enabled ? [new OutboxMessage(ClueTopic, $"todo:clue:{clueId}", new ClueRefPayload(clueId, version))] : [];

    /// <summary>The key of a new clue's sync row, <c>{id}</c> standing for the id the report's batch assigns.</summary>
    public const string NewClueKey = "todo:clue:{id}";

    public IReadOnlyList<OutboxMessage> ForGuidance(long recordId) =>
        options.Value.Makes(TodoDuty.Rectify) ? [new OutboxMessage(GuidanceTopic, $"todo:guidance:{recordId}", new GuidanceRefPayload(recordId))] : [];

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        if (!Enabled) return new OutboxDelivery.Nothing("to-dos are switched off");
        return message.Topic == ClueTopic
            ? await SyncClueAsync(Read<ClueRefPayload>(message).ClueId, ct)
            : await SyncGuidanceAsync(Read<GuidanceRefPayload>(message).RecordId, ct);
    }

    private async Task<OutboxDelivery> SyncClueAsync(long clueId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        IReadOnlyList<Pending> pending;
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            if (await clues.LockAsync(conn, tx, clueId, ct) is not { } clue) return new OutboxDelivery.Nothing("the clue is gone");
            var now = clock.GetUtcNow().UtcDateTime;
            var wanted = new List<WantedTodo>();
            foreach (var rule in TodoRules.OpenFor(clue, now).Where(r => options.Value.Makes(r.Duty)))
                wanted.Add(new WantedTodo(rule.Duty, null, await HoldersAsync(conn, tx, clue, rule.Holders, ct), rule.Due(clue)));
            pending = await ApplyAsync(conn, tx, TodoSubject.Clue, clueId, wanted, ct);
            await tx.CommitAsync(ct);
        }
        if (pending.Count == 0) return new OutboxDelivery.Nothing("no to-do to change");
        var view = await clues.ViewAsync(conn, clueId, ct);
        var link = links.Value.ClueLink(clueId);
        return Deliver(pending, row => view is null ? TodoRules.Verb(row.Duty) : TodoRules.ClueSubject(row.Duty, view), link);
    }

    private async Task<OutboxDelivery> SyncGuidanceAsync(long recordId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        IReadOnlyList<Pending> pending;
        GuidanceDetail detail;
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            if (await guidance.LockRecordAsync(conn, tx, recordId, ct) is null || await guidance.DetailAsync(conn, tx, recordId, ct) is not { } d)
                return new OutboxDelivery.Nothing("the record is gone");
            detail = d;
            var wanted = new List<WantedTodo>();
            foreach (var f in detail.Findings.Where(f => options.Value.Makes(TodoDuty.Rectify) && TodoRules.RectifyOpen(f)))
            {
                var holders = f.AssigneeUnitId is { } unit ? await org.UnitStaffAsync(conn, tx, unit, ct)
                    : await org.SchoolRoleUsersAsync(conn, tx, f.AssigneeSchoolId ?? detail.Record.SchoolId, Role.Reporter, ct);
                wanted.Add(new WantedTodo(TodoDuty.Rectify, f.Id, holders, f.Deadline));
            }
            pending = await ApplyAsync(conn, tx, TodoSubject.Guidance, recordId, wanted, ct);
            await tx.CommitAsync(ct);
        }
        if (pending.Count == 0) return new OutboxDelivery.Nothing("no to-do to change");
        return Deliver(pending, row => detail.Findings.FirstOrDefault(f => f.Id == row.FindingId) is { } f
            ? TodoRules.FindingSubject(detail.Record, f) : TodoRules.Verb(row.Duty), links.Value.GuidanceLink(recordId));
    }

    /// <summary>A to-do DingTalk has yet to hear of, with the unionIds of its executors (create) or its operator (complete).</summary>
    private sealed record Pending(TodoRow Row, IReadOnlyList<string> UnionIds, string? Without);

    /// <summary>Closes and opens what <see cref="TodoRules.Diff"/> says, then lists what DingTalk still has to be told.</summary>
    private async Task<IReadOnlyList<Pending>> ApplyAsync(MySqlConnection conn, MySqlTransaction tx, TodoSubject kind, long subjectId,
        IReadOnlyList<WantedTodo> wanted, CancellationToken ct)
    {
        var before = await store.OpenAsync(conn, tx, kind, subjectId, ct);
        var (close, open) = TodoRules.Diff(before, wanted);
        await store.CloseAsync(conn, tx, close, ct);
        if (open.Count > 0)
        {
            var table = await calendar.GetAsync(ct);
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var w in open)
                await store.InsertAsync(conn, tx, kind, subjectId, w, TodoRules.ReleaseAt(options.Value.GraceWorkingDays, TodoRules.WasTodo(w, before), table, now), ct);
        }

        var result = new List<Pending>();
        foreach (var row in await store.PendingAsync(conn, tx, kind, subjectId, ct))
        {
            if (row.ClosedAt is not null)
            {
                result.Add(new Pending(row, [], null));
                continue;
            }
            // Open and not created yet (one closed before it was created is never sent): to the executors DingTalk can reach.
            var reachable = (await org.ActiveUnionIdsAsync(conn, tx, row.ExecutorIds, ct)).Where(u => !string.IsNullOrWhiteSpace(u.UnionId)).ToList();
            var missing = row.ExecutorIds.Except(reachable.Select(u => u.Id)).ToList();
            var without = missing.Count == 0 ? null : TodoRules.ExecutorKey(missing);
            if (without is not null) Log.NoUnionId(logger, row.Id, row.Duty, without);
            if (reachable.Count == 0)
                await store.NobodyReachableAsync(conn, tx, row.Id, without!, ct);
            else
                result.Add(new Pending(row, reachable.Select(u => u.UnionId!).ToList(), without));
        }
        return result;
    }

    private OutboxDelivery Deliver(IReadOnlyList<Pending> pending, Func<TodoRow, string> subject, string link)
    {
        var calls = pending.Select(p => p.Row.ClosedAt is null
            ? new TodoCall(p.Row.Id, p.UnionIds[0], new TodoCreate
            {
                Subject = subject(p.Row),
                ExecutorIds = p.UnionIds,
                // Both open the page in DingTalk's H5 scheme (CardOptions.Link): on the phone in DingTalk's webview, on the PC
                // in the client's side panel (pc_slide) — inside DingTalk either way, where the page's free login works; a bare
                // https URL as pcUrl would open the system browser, which has no DingTalk login.
                DetailUrl = new TodoDetailUrl(link, link),
                SourceId = p.Row.SourceId,
                // Held back through its grace, it comes when a reminder would: with DingTalk's own notification.
                NotifyConfigs = p.Row.ReleaseAt is null ? null : TodoNotifyConfigs.Ding,
                DueTime = p.Row.DueAt is { } due ? new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc)).ToUnixTimeMilliseconds() : null,
            }, null, p.Without)
            : new TodoCall(p.Row.Id, p.Row.OperatorUnionId ?? "", null, p.Row.TaskId)).ToList();
        return new OutboxDelivery.Todos(calls, RecordAsync);
    }

    private async Task RecordAsync(TodoCall call, string? taskId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (call.Create is not null) await store.CreatedAsync(conn, call.TodoId, taskId ?? "", call.OperatorUnionId, call.WithoutUnionId, ct);
        else await store.CompletedAsync(conn, call.TodoId, ct);
    }

    /// <summary>The people who hold a clue's duty now.</summary>
    private async Task<IReadOnlyList<long>> HoldersAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow clue, TodoHolders holders, CancellationToken ct)
    {
        switch (holders)
        {
            case TodoHolders.Handlers:
                return clue.AssigneeUserId is { } a ? [a] : clue.UnitId is { } u ? await org.UnitStaffAsync(conn, tx, u, ct) : [];
            case TodoHolders.CoLeaders:
                return await org.SchoolRoleUsersAsync(conn, tx, clue.SchoolId, Role.CoLeader, ct);
            case TodoHolders.OtherHeads:
                return clue.UnitId is { } h
                    ? (await org.UnitRoleUsersAsync(conn, tx, h, [Role.UnitHead], ct)).Where(x => x != clue.RequestedByUserId).ToList()
                    : [];
            case TodoHolders.DispatchingUnit:
                return (clue.DispatchingUnitId ?? clue.UnitId) is { } d ? await org.UnitStaffAsync(conn, tx, d, ct) : [];
            case TodoHolders.Raters:
                return await org.UserAsync(conn, tx, clue.ReporterUserId, ct) is { Active: true }
                    ? [clue.ReporterUserId]
                    : await org.SchoolRoleUsersAsync(conn, tx, clue.SchoolId, Role.CoLeader, ct);
            default:
                return [];
        }
    }

    private static T Read<T>(OutboxEnvelope message) =>
        JsonSerializer.Deserialize<T>(message.Payload, Json) ?? throw new OutboxDeliveryException($"empty payload for {message.Topic}");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "To-do {TodoId} ({Duty}): users {Users} have no unionId and get no DingTalk to-do")]
        public static partial void NoUnionId(ILogger logger, long todoId, TodoDuty duty, string users);
    }
}

/// <summary>The outbox renderers of the two sync topics.</summary>
public sealed class TodoTopicRenderer(TodoSync sync, string topic) : IOutboxTopicRenderer
{
    public string Topic { get; } = topic;

    public Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct) => sync.RenderAsync(message, ct);
}
