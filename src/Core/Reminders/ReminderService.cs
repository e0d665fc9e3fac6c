using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Todos;

namespace SchoolSafety.Core.Reminders;

/// <summary>What one evaluator run did.</summary>
public sealed record ReminderRunReport(bool Quiet, int Due, int Recorded, int Messages, int TodosReleased = 0);

/// <summary>
/// The reminder evaluator (the Bot runs it every 15 minutes): outside working time it does nothing, so what fell due in
/// the quiet hours or on a day off goes out at the first run of the next working morning. Otherwise it evaluates every
/// step of <see cref="ReminderSteps"/> for every subject, records the due ones under their unique key and, in the same
/// transaction, queues one message per person listing all of theirs (and the clue card where a step says so). In the same
/// transaction it hands to DingTalk the to-dos whose grace ended or whose step fell due (<see cref="TodoRelease"/>); a line
/// such a to-do tells its executor (its creation notifies them) is left out of their message.
/// </summary>
public sealed partial class ReminderService(
    MySqlDataSource db,
    ReminderStore store,
    OutboxStore outbox,
    TodoRelease todos,
    WorkingCalendar calendar,
    IOptions<ScheduleOptions> options,
    TimeProvider clock,
    ILogger<ReminderService> logger)
{
    public async Task<ReminderRunReport> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var table = await calendar.GetAsync(ct);
        if (!WorkingTime.IsOpen(table, now, options.Value)) return new ReminderRunReport(true, 0, 0, 0);

        await using var conn = await db.OpenConnectionAsync(ct);
        var today = WorkingTime.ChinaDate(now);
        var windows = await store.WindowsAsync(conn, today.Year, ct);
        var open = GuidanceWindows.Open(windows.Count > 0 ? windows : GuidanceWindows.Defaults(today.Year), today);
        var subjects = await store.SubjectsAsync(conn, now, open, ct);
        var due = ReminderSteps.Due(subjects, table, now).ToList();

        var units = due.SelectMany(d => new[] { d.Subject.UnitId, d.Subject.DispatchingUnitId }).OfType<long>().ToHashSet();
        var schools = due.Select(d => d.Subject.SchoolId).OfType<long>().ToHashSet();
        var directory = await store.DirectoryAsync(conn, units, schools, ct);

        var report = await Db.RetryOnDeadlockAsync(async () =>
        {
            var runId = Guid.NewGuid().ToString("N");
            await using var tx = await conn.BeginTransactionAsync(ct);
            var recorded = await store.RecordAsync(conn, tx, due, runId, now, ct);
            var mine = due.Where(d => recorded.Contains((d.Subject.Kind, d.Subject.Id, d.Step.Code, d.DueKey))).ToList();
            var released = await todos.ReleaseAsync(conn, tx, mine, now, ct);
            var messages = ReminderMessages.Build(mine, directory, now, released.Told);
            foreach (var chunk in messages.Concat(released.Syncs).Chunk(500))
                await outbox.EnqueueAsync(conn, tx, chunk, ct);
            await tx.CommitAsync(ct);
            return new ReminderRunReport(false, due.Count, mine.Count, messages.Count, released.Released);
        });
        if (report.Recorded > 0 || report.TodosReleased > 0) Log.Queued(logger, report.Recorded, report.Messages, report.TodosReleased);
        return report;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Reminders: {Steps} steps fell due, queued as {Messages} messages; {Todos} to-dos handed to DingTalk")]
        public static partial void Queued(ILogger logger, int steps, int messages, int todos);
    }
}
