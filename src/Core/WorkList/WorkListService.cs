using MySqlConnector;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.WorkList;

public sealed record ReportProgressCommand(decimal? Amount, string? Text, DateOnly? Date, bool Done);

/// <summary>A task with its deadline state and what has been reported on it.</summary>
public sealed record WorkListTaskView(WorkListTaskRow Task, TaskProgressSummary? Progress, bool Overdue);

public sealed record WorkListItemView(WorkListItemRow Item, IReadOnlyList<WorkListTaskView> Tasks);

/// <summary>
/// The work list (domain.md §4): everyone signed in reads the 22 rows and their tasks; only staff of
/// the owning department (a district-level unit of the row's line) report progress; the district
/// (the admin and district departments' staff) reads the entries and the overdue tasks.
/// </summary>
public sealed class WorkListService(MySqlDataSource db, WorkListStore store, OrganisationStore org, TimeProvider clock)
{
    public const int MaxTextLength = 500;

    public async Task<Outcome<IReadOnlyList<WorkListItemView>>> ListAsync(long actorId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (actor.Memberships.Count == 0) return Failure.Forbidden();
        return Outcome.Of(Views(await store.AllAsync(conn, ct)));
    }

    public async Task<Outcome<IReadOnlyList<WorkListTaskView>>> OverdueAsync(long actorId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin && actor.DistrictLines.Count == 0) return Failure.Forbidden("仅区级部门和区教育局可以查看");
        return Outcome.Of<IReadOnlyList<WorkListTaskView>>(Views(await store.AllAsync(conn, ct)).SelectMany(i => i.Tasks).Where(t => t.Overdue).ToList());
    }

    public async Task<Outcome<IReadOnlyList<ProgressRow>>> ProgressAsync(long actorId, long taskId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!actor.IsEduAdmin && actor.DistrictLines.Count == 0) return Failure.Forbidden("仅区级部门和区教育局可以查看");
        if (await store.TaskAsync(conn, taskId, ct) is null) return TaskNotFound;
        return Outcome.Of(await store.ProgressAsync(conn, taskId, ct));
    }

    public async Task<Outcome<long>> ReportProgressAsync(long actorId, long taskId, ReportProgressCommand cmd, CancellationToken ct)
    {
        var today = WorkListDeadlines.ChinaToday(clock);
        if (Validate(cmd, today) is { } bad) return bad;
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (await store.TaskAsync(conn, taskId, ct) is not { } task) return TaskNotFound;
        var unit = actor.Memberships.FirstOrDefault(m => m.Role is Role.Handler or Role.UnitHead or Role.Liaison
            && m.UnitLevel == UnitLevel.District && m.LineCode == task.OwnerLine);
        if (unit is null) return Failure.Forbidden("只有该任务牵头部门（区级）的工作人员可以填报进展");
        return await store.InsertProgressAsync(conn, taskId, unit.UnitId, actorId, cmd.Amount, cmd.Text?.Trim(), cmd.Date!.Value, cmd.Done, ct);
    }

    public static Failure? Validate(ReportProgressCommand cmd, DateOnly today)
    {
        if (cmd.Amount is null && string.IsNullOrWhiteSpace(cmd.Text))
            return Failure.Invalid("worklist.progress_empty", "请填写完成数量或进展说明");
        if (cmd.Amount is < 0 or > 1_000_000_000m)
            return Failure.Invalid("worklist.amount_invalid", "完成数量应为 0 到 10 亿之间的数");
        if (cmd.Text is { } t && t.Trim().Length > MaxTextLength)
            return Failure.Invalid("worklist.text_too_long", $"进展说明不能超过 {MaxTextLength} 个字");
        if (cmd.Text is { } c && c.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t')))
            return Failure.Invalid("worklist.text_invalid", "进展说明含有不可见字符");
        if (cmd.Date is not { } d) return Failure.Invalid("worklist.date_required", "请填写进展日期");
        if (d > today) return Failure.Invalid("worklist.date_future", "进展日期不能晚于今天");
        if (d.Year < 2020) return Failure.Invalid("worklist.date_invalid", "进展日期不正确");
        return null;
    }

    private IReadOnlyList<WorkListItemView> Views(WorkListRows rows)
    {
        var today = WorkListDeadlines.ChinaToday(clock);
        var progress = rows.Progress.ToDictionary(p => p.TaskId);
        var tasks = rows.Tasks.ToLookup(t => t.ItemNo);
        return rows.Items.Select(i => new WorkListItemView(i, tasks[i.No].Select(t =>
        {
            var p = progress.GetValueOrDefault(t.Id);
            return new WorkListTaskView(t, p, WorkListDeadlines.IsOverdue(t.Due, p?.Done ?? false, today));
        }).ToList())).ToList();
    }

    private static readonly Failure TaskNotFound = Failure.NotFound("worklist.task_not_found", "任务不存在");
}
