using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.WorkList;

public sealed record WorkListItemRow
{
    public int No { get; init; }
    public string OwnerLine { get; init; } = "";
    public string OwnerName { get; init; } = "";
    public bool Hazard { get; init; }
    public string Label { get; init; } = "";
    public string DutyZh { get; init; } = "";
}

public sealed record WorkListTaskRow
{
    public long Id { get; init; }
    public int ItemNo { get; init; }
    public int Seq { get; init; }
    public string TextZh { get; init; } = "";
    public string Due { get; init; } = "";
    public string OwnerLine { get; init; } = "";
}

/// <summary>The progress reported on one task so far.</summary>
public sealed record TaskProgressSummary
{
    public long TaskId { get; init; }
    public int Entries { get; init; }
    public decimal? TotalAmount { get; init; }
    public DateTime? LastDate { get; init; }
    public bool Done { get; init; }
}

public sealed record ProgressRow
{
    public long Id { get; init; }
    public long TaskId { get; init; }
    public long UnitId { get; init; }
    public string UnitName { get; init; } = "";
    public long ReporterUserId { get; init; }
    public string ReporterName { get; init; } = "";
    public decimal? Amount { get; init; }
    public string? Text { get; init; }
    public DateTime ProgressDate { get; init; }
    public bool Done { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed record WorkListRows(IReadOnlyList<WorkListItemRow> Items, IReadOnlyList<WorkListTaskRow> Tasks, IReadOnlyList<TaskProgressSummary> Progress);

/// <summary>All SQL of the work list (工作清单): its 22 rows, their tasks and the departments' progress.</summary>
public sealed class WorkListStore(TimeProvider clock)
{
    private const string TaskColumns = $"""
        t.id AS {nameof(WorkListTaskRow.Id)}, t.item_no AS {nameof(WorkListTaskRow.ItemNo)}, t.seq AS {nameof(WorkListTaskRow.Seq)},
        t.text_zh AS {nameof(WorkListTaskRow.TextZh)}, t.due AS {nameof(WorkListTaskRow.Due)}, i.owner_line AS {nameof(WorkListTaskRow.OwnerLine)}
        """;

    private const string AllSql = $"""
        SELECT i.no AS {nameof(WorkListItemRow.No)}, i.owner_line AS {nameof(WorkListItemRow.OwnerLine)}, l.name_zh AS {nameof(WorkListItemRow.OwnerName)},
               i.hazard AS {nameof(WorkListItemRow.Hazard)}, i.label AS {nameof(WorkListItemRow.Label)}, i.duty_zh AS {nameof(WorkListItemRow.DutyZh)}
          FROM worklist_items i
          JOIN org_lines l ON l.code = i.owner_line
         ORDER BY i.no;
        SELECT {TaskColumns}
          FROM worklist_tasks t
          JOIN worklist_items i ON i.no = t.item_no
         ORDER BY t.item_no, t.seq;
        SELECT task_id AS {nameof(TaskProgressSummary.TaskId)}, COUNT(*) AS {nameof(TaskProgressSummary.Entries)},
               SUM(amount) AS {nameof(TaskProgressSummary.TotalAmount)}, MAX(progress_date) AS {nameof(TaskProgressSummary.LastDate)},
               MAX(done) AS {nameof(TaskProgressSummary.Done)}
          FROM worklist_progress
         GROUP BY task_id
        """;

    /// <summary>The 22 rows, their tasks and each task's progress summary, in one round trip.</summary>
    public async Task<WorkListRows> AllAsync(MySqlConnection conn, CancellationToken ct)
    {
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(AllSql, cancellationToken: ct));
        var items = (await r.ReadAsync<WorkListItemRow>()).AsList();
        var tasks = (await r.ReadAsync<WorkListTaskRow>()).AsList();
        var progress = (await r.ReadAsync<TaskProgressSummary>()).AsList();
        return new WorkListRows(items, tasks, progress);
    }

    private const string TaskSql = $"""
        SELECT {TaskColumns}
          FROM worklist_tasks t
          JOIN worklist_items i ON i.no = t.item_no
         WHERE t.id = @Id
        """;

    public Task<WorkListTaskRow?> TaskAsync(MySqlConnection conn, long id, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<WorkListTaskRow>(new CommandDefinition(TaskSql, new { Id = id }, cancellationToken: ct));

    private const string InsertProgressSql = """
        INSERT INTO worklist_progress (task_id, unit_id, reporter_user_id, amount, text, progress_date, done, created_at)
        VALUES (@TaskId, @UnitId, @ReporterUserId, @Amount, @Text, @ProgressDate, @Done, @Now);
        SELECT LAST_INSERT_ID()
        """;

    public Task<long> InsertProgressAsync(MySqlConnection conn, long taskId, long unitId, long reporterUserId, decimal? amount, string? text,
        DateOnly date, bool done, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertProgressSql, new
        {
            TaskId = taskId, UnitId = unitId, ReporterUserId = reporterUserId, Amount = amount, Text = text,
            ProgressDate = date.ToDateTime(TimeOnly.MinValue), Done = done, Now = clock.GetUtcNow().UtcDateTime,
        }, cancellationToken: ct));

    private const string ProgressSql = $"""
        SELECT p.id AS {nameof(ProgressRow.Id)}, p.task_id AS {nameof(ProgressRow.TaskId)}, p.unit_id AS {nameof(ProgressRow.UnitId)},
               u.name AS {nameof(ProgressRow.UnitName)}, p.reporter_user_id AS {nameof(ProgressRow.ReporterUserId)},
               us.name AS {nameof(ProgressRow.ReporterName)}, p.amount AS {nameof(ProgressRow.Amount)}, p.text AS {nameof(ProgressRow.Text)},
               p.progress_date AS {nameof(ProgressRow.ProgressDate)}, p.done AS {nameof(ProgressRow.Done)}, p.created_at AS {nameof(ProgressRow.CreatedAt)}
          FROM worklist_progress p
          JOIN units u ON u.id = p.unit_id
          JOIN users us ON us.id = p.reporter_user_id
         WHERE p.task_id = @TaskId
         ORDER BY p.progress_date DESC, p.id DESC
        """;

    /// <summary>A task's progress entries, newest first.</summary>
    public async Task<IReadOnlyList<ProgressRow>> ProgressAsync(MySqlConnection conn, long taskId, CancellationToken ct) =>
        (await conn.QueryAsync<ProgressRow>(new CommandDefinition(ProgressSql, new { TaskId = taskId }, cancellationToken: ct))).AsList();
}
