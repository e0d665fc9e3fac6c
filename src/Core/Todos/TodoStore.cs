using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Todos;

/// <summary>What a to-do is about: a clue, or a guidance record (one to-do per finding to rectify).</summary>
public enum TodoSubject
{
    Clue,
    Guidance,
}

/// <summary>A to-do row with what DingTalk still has to be told about it.</summary>
public sealed record TodoRow
{
    public long Id { get; init; }
    public TodoSubject SubjectKind { get; init; }
    public long SubjectId { get; init; }
    public long? FindingId { get; init; }
    public TodoDuty Duty { get; init; }
    public string Executors { get; init; } = "";
    public DateTime? DueAt { get; init; }
    public DateTime? ClosedAt { get; init; }
    public string? TaskId { get; init; }
    public string? OperatorUnionId { get; init; }
    public DateTime? CompletedAt { get; init; }
    public string? WithoutUnionId { get; init; }
    /// <summary>The end of its grace (null: made at once); a to-do held back until then comes with DingTalk's notification.</summary>
    public DateTime? ReleaseAt { get; init; }

    /// <summary>DingTalk's sourceId: unique per to-do, so a repeated create is refused there instead of making a second one.</summary>
    public string SourceId => TodoStore.SourceId(Id);

    public IReadOnlyList<long> ExecutorIds => TodoRules.ExecutorIds(Executors);
}

/// <summary>All SQL of the to-dos (<c>todos</c>).</summary>
public sealed class TodoStore(TimeProvider clock)
{
    public static string SourceId(long id) => $"schoolsafety-todo-{id}";

    private const string Columns = $"""
        id AS {nameof(TodoRow.Id)}, subject_kind AS {nameof(TodoRow.SubjectKind)}, subject_id AS {nameof(TodoRow.SubjectId)},
        finding_id AS {nameof(TodoRow.FindingId)}, duty AS {nameof(TodoRow.Duty)}, executors AS {nameof(TodoRow.Executors)},
        due_at AS {nameof(TodoRow.DueAt)}, closed_at AS {nameof(TodoRow.ClosedAt)}, task_id AS {nameof(TodoRow.TaskId)},
        operator_union_id AS {nameof(TodoRow.OperatorUnionId)}, completed_at AS {nameof(TodoRow.CompletedAt)},
        without_union_id AS {nameof(TodoRow.WithoutUnionId)}, release_at AS {nameof(TodoRow.ReleaseAt)}
        """;

    private const string OpenSql = $"""
        SELECT id AS {nameof(OpenTodo.Id)}, duty AS {nameof(OpenTodo.Duty)}, finding_id AS {nameof(OpenTodo.FindingId)}, executors AS {nameof(OpenTodo.Executors)},
               released_at AS {nameof(OpenTodo.ReleasedAt)}
          FROM todos
         WHERE subject_kind = @Kind AND subject_id = @SubjectId AND closed_at IS NULL
         ORDER BY id
        """;

    public async Task<IReadOnlyList<OpenTodo>> OpenAsync(MySqlConnection conn, MySqlTransaction tx, TodoSubject kind, long subjectId, CancellationToken ct) =>
        (await conn.QueryAsync<OpenTodo>(new CommandDefinition(OpenSql, new { Kind = kind.ToString(), SubjectId = subjectId }, tx, cancellationToken: ct))).AsList();

    private const string InsertSql = """
        INSERT INTO todos (subject_kind, subject_id, finding_id, duty, executors, due_at, opened_at, release_at, released_at)
        VALUES (@Kind, @SubjectId, @FindingId, @Duty, @Executors, @DueAt, @Now, @ReleaseAt, CASE WHEN @ReleaseAt IS NULL THEN @Now END)
        """;

    /// <summary>Opens a to-do: handed to DingTalk at once (<paramref name="releaseAt"/> null), or held back until its grace ends.</summary>
    public Task InsertAsync(MySqlConnection conn, MySqlTransaction tx, TodoSubject kind, long subjectId, WantedTodo todo, DateTime? releaseAt, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Kind = kind.ToString(), SubjectId = subjectId, todo.FindingId, Duty = todo.Duty.ToString(), Executors = todo.ExecutorKey, todo.DueAt,
            Now = clock.GetUtcNow().UtcDateTime, ReleaseAt = releaseAt,
        }, tx, cancellationToken: ct));

    private const string HeldSql = $"""
        SELECT id AS {nameof(HeldTodo.Id)}, subject_kind AS {nameof(HeldTodo.SubjectKind)}, subject_id AS {nameof(HeldTodo.SubjectId)},
               finding_id AS {nameof(HeldTodo.FindingId)}, duty AS {nameof(HeldTodo.Duty)}, executors AS {nameof(HeldTodo.Executors)},
               release_at AS {nameof(HeldTodo.ReleaseAt)}
          FROM todos
         WHERE released_at IS NULL AND closed_at IS NULL
           AND (release_at <= @Now OR (subject_kind = 'Clue' AND subject_id IN @Clues) OR finding_id IN @Findings)
         ORDER BY id
           FOR UPDATE
        """;

    /// <summary>
    /// The open to-dos held back in their grace that may be handed over now — grace ended, or of these clues and findings
    /// (whose steps fall due) — locked until the caller's transaction ends, so two evaluator runs never hand one over twice.
    /// </summary>
    public async Task<IReadOnlyList<HeldTodo>> HeldAsync(MySqlConnection conn, MySqlTransaction tx, DateTime nowUtc, IReadOnlyCollection<long> clueIds,
        IReadOnlyCollection<long> findingIds, CancellationToken ct) =>
        (await conn.QueryAsync<HeldTodo>(new CommandDefinition(HeldSql, new
        {
            Now = nowUtc, Clues = clueIds.Count == 0 ? [-1L] : clueIds, Findings = findingIds.Count == 0 ? [-1L] : findingIds,
        }, tx, cancellationToken: ct))).AsList();

    private const string ReleaseSql = "UPDATE todos SET released_at = @Now WHERE id IN @Ids AND released_at IS NULL AND closed_at IS NULL";

    /// <summary>Hands held-back to-dos to DingTalk: their subject's next sync creates them.</summary>
    public Task<int> ReleaseAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<long> ids, DateTime nowUtc, CancellationToken ct) =>
        ids.Count == 0 ? Task.FromResult(0)
            : conn.ExecuteAsync(new CommandDefinition(ReleaseSql, new { Ids = ids, Now = nowUtc }, tx, cancellationToken: ct));

    private const string CloseSql = "UPDATE todos SET closed_at = @Now WHERE id IN @Ids AND closed_at IS NULL";

    public Task<int> CloseAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? Task.FromResult(0)
            : conn.ExecuteAsync(new CommandDefinition(CloseSql, new { Ids = ids, Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));

    private const string PendingSql = $"""
        SELECT {Columns}
          FROM todos
         WHERE subject_kind = @Kind AND subject_id = @SubjectId
           AND ((closed_at IS NULL AND released_at IS NOT NULL AND task_id IS NULL AND without_union_id IS NULL)
             OR (closed_at IS NOT NULL AND task_id IS NOT NULL AND completed_at IS NULL))
         ORDER BY id
        """;

    /// <summary>The subject's to-dos DingTalk has yet to hear of: open ones handed over and not created yet, closed ones created but not completed.</summary>
    public async Task<IReadOnlyList<TodoRow>> PendingAsync(MySqlConnection conn, MySqlTransaction tx, TodoSubject kind, long subjectId, CancellationToken ct) =>
        (await conn.QueryAsync<TodoRow>(new CommandDefinition(PendingSql, new { Kind = kind.ToString(), SubjectId = subjectId }, tx, cancellationToken: ct))).AsList();

    private const string CreatedSql = """
        UPDATE todos SET task_id = @TaskId, operator_union_id = @Operator, without_union_id = @Without WHERE id = @Id AND task_id IS NULL
        """;

    /// <summary>
    /// DingTalk made the to-do (<paramref name="taskId"/>; empty when an earlier attempt made it and its id was lost), with
    /// <paramref name="operatorUnionId"/> in its path; <paramref name="without"/> are the executors left out for want of a unionId.
    /// </summary>
    public Task<int> CreatedAsync(MySqlConnection conn, long id, string taskId, string operatorUnionId, string? without, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(CreatedSql, new { Id = id, TaskId = taskId, Operator = operatorUnionId, Without = without }, cancellationToken: ct));

    private const string NobodySql = "UPDATE todos SET without_union_id = @Without WHERE id = @Id AND task_id IS NULL";

    /// <summary>None of the executors has a unionId: no to-do is made, and the row says whom it missed.</summary>
    public Task<int> NobodyReachableAsync(MySqlConnection conn, MySqlTransaction tx, long id, string without, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(NobodySql, new { Id = id, Without = without }, tx, cancellationToken: ct));

    private const string CompletedSql = "UPDATE todos SET completed_at = @Now WHERE id = @Id AND completed_at IS NULL";

    public Task<int> CompletedAsync(MySqlConnection conn, long id, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(CompletedSql, new { Id = id, Now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));

    private const string OfSubjectSql = $"SELECT {Columns} FROM todos WHERE subject_kind = @Kind AND subject_id = @SubjectId ORDER BY id";

    /// <summary>Every to-do of a clue or record, open or not (the admin's view, tests).</summary>
    public async Task<IReadOnlyList<TodoRow>> OfSubjectAsync(MySqlConnection conn, TodoSubject kind, long subjectId, CancellationToken ct) =>
        (await conn.QueryAsync<TodoRow>(new CommandDefinition(OfSubjectSql, new { Kind = kind.ToString(), SubjectId = subjectId }, cancellationToken: ct))).AsList();

    private const string UnreachedSql = """
        SELECT CAST(COUNT(*) AS SIGNED) FROM todos WHERE without_union_id IS NOT NULL AND opened_at >= @Since
        """;

    /// <summary>How many to-dos since <paramref name="since"/> missed someone for want of a unionId (the admin's operations view).</summary>
    public Task<long> UnreachedSinceAsync(MySqlConnection conn, DateTime since, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(UnreachedSql, new { Since = since }, cancellationToken: ct));
}
