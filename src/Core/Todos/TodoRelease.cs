using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Core.Todos;

/// <summary>What one evaluator run handed to DingTalk: the sync rows to queue, and the reminder lines the new to-dos tell instead.</summary>
public sealed record TodoReleaseResult(int Released, IReadOnlyList<OutboxMessage> Syncs, IReadOnlySet<(long User, ReminderItem Item)> Told)
{
    public static TodoReleaseResult None { get; } = new(0, [], new HashSet<(long, ReminderItem)>());
}

/// <summary>
/// The lazy to-dos (<see cref="TodoOptions.GraceWorkingDays"/>): a duty's to-do waits in <c>todos</c> through its grace and is
/// handed to DingTalk by the reminder evaluator, inside the evaluator's transaction and only at working time — once its grace
/// has ended, or earlier when the duty's step (<see cref="TodoRules.StepOf"/>) falls due. Handing over marks the row and
/// queues its subject's sync row in the same transaction; the sync (under the subject's lock, with the unique sourceId)
/// creates it, or finds the duty ended and creates nothing. The rows are locked while read, so two Bots' runs, or a
/// re-fire, hand a to-do over once.
/// </summary>
public sealed class TodoRelease(TodoStore store, TodoSync sync, OrganisationStore org, IOptions<TodoOptions> options)
{
    public async Task<TodoReleaseResult> ReleaseAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<DueReminder> due, DateTime nowUtc,
        CancellationToken ct)
    {
        if (!options.Value.Enabled || options.Value.GraceWorkingDays <= 0) return TodoReleaseResult.None;
        var steps = due.Select(d => (d.Step.Code, d.Subject.Kind, d.Subject.Id)).ToHashSet();
        var clues = steps.Where(s => s.Kind == SubjectKind.Clue).Select(s => s.Id).Distinct().ToList();
        var findings = steps.Where(s => s.Kind == SubjectKind.Finding).Select(s => s.Id).Distinct().ToList();
        var releasing = TodoRules.Releasing(await store.HeldAsync(conn, tx, nowUtc, clues, findings, ct), steps, nowUtc);
        if (releasing.Count == 0) return TodoReleaseResult.None;

        await store.ReleaseAsync(conn, tx, releasing.Select(h => h.Id).ToList(), nowUtc, ct);
        var reachable = (await org.ActiveUnionIdsAsync(conn, tx, releasing.SelectMany(h => h.ExecutorIds).Distinct().ToList(), ct))
            .Where(u => !string.IsNullOrWhiteSpace(u.UnionId)).Select(u => u.Id).ToHashSet();
        var syncs = releasing.DistinctBy(h => (h.SubjectKind, h.SubjectId))
            .SelectMany(h => h.SubjectKind == TodoSubject.Clue ? sync.ForClue(h.SubjectId, 0) : sync.ForGuidance(h.SubjectId)).ToList();
        return new TodoReleaseResult(releasing.Count, syncs, TodoRules.Told(releasing, reachable));
    }
}
