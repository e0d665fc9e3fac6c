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

    /// <summary>DingTalk's sourceId: unique per to-do, so a repeated create is refused there instead of making a second one.</summary>
    public string SourceId => TodoStore.SourceId(Id);

    public IReadOnlyList<long> ExecutorIds =>
        Executors.Length == 0 ? [] : Executors.Split(',').Select(s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList();
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
        without_union_id AS {nameof(TodoRow.WithoutUnionId)}
        """;

    private const string OpenSql = $"""
        SELECT id AS {nameof(OpenTodo.Id)}, duty AS {nameof(OpenTodo.Duty)}, finding_id AS {nameof(OpenTodo.FindingId)}, executors AS {nameof(OpenTodo.Executors)}
          FROM todos
         WHERE subject_kind = @Kind AND subject_id = @SubjectId AND closed_at IS NULL
         ORDER BY id
        """;

    public async Task<IReadOnlyList<OpenTodo>> OpenAsync(MySqlConnection conn, MySqlTransaction tx, TodoSubject kind, long subjectId, CancellationToken ct) =>
        (await conn.QueryAsync<OpenTodo>(new CommandDefinition(OpenSql, new { Kind = kind.ToString(), SubjectId = subjectId }, tx, cancellationToken: ct))).AsList();

    private const string InsertSql = """
        INSERT INTO todos (subject_kind, subject_id, finding_id, duty, executors, due_at, opened_at)
        VALUES (@Kind, @SubjectId, @FindingId, @Duty, @Executors, @DueAt, @Now)
        """;

    public Task InsertAsync(MySqlConnection conn, MySqlTransaction tx, TodoSubject kind, long subjectId, WantedTodo todo, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Kind = kind.ToString(), SubjectId = subjectId, todo.FindingId, Duty = todo.Duty.ToString(), Executors = todo.ExecutorKey, todo.DueAt,
            Now = clock.GetUtcNow().UtcDateTime,
        }, tx, cancellationToken: ct));

    private const string CloseSql = "UPDATE todos SET closed_at = @Now WHERE id IN @Ids AND closed_at IS NULL";

    public Task<int> CloseAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? Task.FromResult(0)
            : conn.ExecuteAsync(new CommandDefinition(CloseSql, new { Ids = ids, Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));

    private const string PendingSql = $"""
        SELECT {Columns}
          FROM todos
         WHERE subject_kind = @Kind AND subject_id = @SubjectId
           AND ((closed_at IS NULL AND task_id IS NULL AND without_union_id IS NULL)
             OR (closed_at IS NOT NULL AND task_id IS NOT NULL AND completed_at IS NULL))
         ORDER BY id
        """;

    /// <summary>The subject's to-dos DingTalk has yet to hear of: open ones not created yet, closed ones created but not completed.</summary>
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
