using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Clues;

/// <summary>A clue with the names people read on its card and in chat replies.</summary>
public sealed record ClueView
{
    public required ClueRow Clue { get; init; }
    public string SchoolName { get; init; } = "";
    public string ItemLabel { get; init; } = "";
    public string? UnitName { get; init; }
    public string? AssigneeName { get; init; }
    /// <summary>The latest timeline event: what was done, by whom, when.</summary>
    public ClueAction? LastAction { get; init; }
    public string? LastActor { get; init; }
    public DateTime? LastAt { get; init; }
}

/// <summary>One line of a chat list (to-dos, supervision list).</summary>
public sealed record ClueListItem
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public long SchoolId { get; init; }
    public string SchoolName { get; init; } = "";
    public string ItemLabel { get; init; } = "";
    public ClueState State { get; init; }
    public DateTime? DueAt { get; init; }
    public DateTime? SupervisionDueAt { get; init; }
}

/// <summary>Counts for 统计: reported and resolved within a window, and the open, overdue and supervised now.</summary>
public sealed record ClueCounts
{
    public long Reported { get; init; }
    public long Resolved { get; init; }
    public long Open { get; init; }
    public long Overdue { get; init; }
    public long Supervised { get; init; }
}

/// <summary>Which clues a list or a count covers: a school, or every clue of the district; optionally one line.</summary>
public sealed record ClueScope(long? SchoolId, string? LineCode)
{
    public static ClueScope District { get; } = new(null, null);
}

/// <summary>Read queries for cards, the chatbot and the statistics (issue 4).</summary>
public sealed partial class ClueStore
{
    private const string ViewSql = $"""
        SELECT {Columns} FROM clues WHERE id = @Id;
        SELECT s.name AS SchoolName, w.label AS ItemLabel, u.name AS UnitName, a.name AS AssigneeName
          FROM clues c
          JOIN schools s ON s.id = c.school_id
          JOIN worklist_items w ON w.no = c.item_no
          LEFT JOIN units u ON u.id = c.unit_id
          LEFT JOIN users a ON a.id = c.assignee_user_id
         WHERE c.id = @Id;
        SELECT action AS LastAction, actor_label AS LastActor, occurred_at AS LastAt
          FROM clue_events
         WHERE clue_id = @Id
         ORDER BY id DESC
         LIMIT 1
        """;

    private sealed record ViewNames(string SchoolName, string ItemLabel, string? UnitName, string? AssigneeName);

    private sealed record LastEvent(ClueAction LastAction, string LastActor, DateTime LastAt);

    /// <summary>A clue with its school, category, unit and handler names and its latest event, in one round trip.</summary>
    public async Task<ClueView?> ViewAsync(MySqlConnection conn, long clueId, CancellationToken ct)
    {
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(ViewSql, new { Id = clueId }, cancellationToken: ct));
        return await ReadViewAsync(r);
    }

    private static async Task<ClueView?> ReadViewAsync(SqlMapper.GridReader r)
    {
        var clue = await r.ReadSingleOrDefaultAsync<ClueRow>();
        var names = await r.ReadSingleOrDefaultAsync<ViewNames>();
        var last = await r.ReadSingleOrDefaultAsync<LastEvent>();
        if (clue is null || names is null) return null;
        return new ClueView
        {
            Clue = clue, SchoolName = names.SchoolName, ItemLabel = names.ItemLabel, UnitName = names.UnitName,
            AssigneeName = names.AssigneeName, LastAction = last?.LastAction, LastActor = last?.LastActor, LastAt = last?.LastAt,
        };
    }

    // A detail in one round trip (issue 11: under load each round trip is a wait for the server): the view, the timeline,
    // and the names of the units on it.
    private const string DetailSql = $"""
        {ViewSql};
        {EventsSql};
        SELECT id AS Id, name AS Name FROM units
         WHERE id IN (SELECT from_unit_id FROM clue_events WHERE clue_id = @Id UNION SELECT to_unit_id FROM clue_events WHERE clue_id = @Id)
        """;

    /// <summary>A clue's view, its timeline and the names of the units on it, in one round trip; null when there is no such clue.</summary>
    public async Task<(ClueView View, IReadOnlyList<ClueEventRow> Events, IReadOnlyDictionary<long, string> UnitNames)?> DetailAsync(MySqlConnection conn,
        long clueId, CancellationToken ct)
    {
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(DetailSql, new { Id = clueId, ClueId = clueId }, cancellationToken: ct));
        var view = await ReadViewAsync(r);
        var events = (await r.ReadAsync<ClueEventRow>()).AsList();
        var units = (await r.ReadAsync<(long Id, string Name)>()).ToDictionary(u => u.Id, u => u.Name);
        return view is null ? null : (view, events, units);
    }

    private const string IdByNumberSql = "SELECT id FROM clues WHERE number = @Number";

    public Task<long?> IdByNumberAsync(MySqlConnection conn, string number, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(IdByNumberSql, new { Number = number }, cancellationToken: ct));

    private const string ListColumns = """
        c.id AS Id, c.number AS Number, c.school_id AS SchoolId, s.name AS SchoolName, w.label AS ItemLabel, c.state AS State,
        c.due_at AS DueAt, c.supervision_due_at AS SupervisionDueAt
        """;

    private const string Open = "c.state NOT IN ('Resolved', 'Withdrawn')";

    // Each way a clue waits for a person is its own branch on its own index (issue 11: one OR over the table
    // read every open clue of the province per call).
    private const string ToDoSql = $"""
        SELECT {ListColumns}
          FROM ((SELECT c.id FROM clues c WHERE c.assignee_user_id = @UserId AND {Open})
                UNION
                (SELECT c.id FROM clues c
                  WHERE c.unit_id IN (SELECT unit_id FROM memberships WHERE user_id = @UserId AND role IN ('Handler', 'UnitHead'))
                    AND c.assignee_user_id IS NULL AND {Open})
                UNION
                (SELECT c.id FROM clues c
                  WHERE c.unit_id IN (SELECT unit_id FROM memberships WHERE user_id = @UserId AND role = 'UnitHead') AND c.state = 'PendingReview')
                UNION
                (SELECT c.id FROM clues c
                  WHERE c.dispatching_unit_id IN (SELECT unit_id FROM memberships WHERE user_id = @UserId AND role IN ('Handler', 'UnitHead'))
                    AND c.state = 'PendingConfirmation')
                UNION
                (SELECT c.id FROM clues c
                  WHERE c.school_id IN (SELECT school_id FROM memberships WHERE user_id = @UserId AND role = 'CoLeader')
                    AND c.unrouted = 1 AND {Open})) k
          JOIN clues c ON c.id = k.id
          JOIN schools s ON s.id = c.school_id
          JOIN worklist_items w ON w.no = c.item_no
         ORDER BY c.due_at IS NULL, c.due_at, c.id
         LIMIT @Limit
        """;

    /// <summary>Open clues waiting for this person: assigned to them, unassigned in their unit, awaiting their approval or confirmation, or unrouted at their school.</summary>
    public async Task<IReadOnlyList<ClueListItem>> ToDoAsync(MySqlConnection conn, long userId, int limit, CancellationToken ct) =>
        (await conn.QueryAsync<ClueListItem>(new CommandDefinition(ToDoSql, new { UserId = userId, Limit = limit }, cancellationToken: ct))).AsList();

    private const string SupervisedScope = """
        AND (@SchoolId IS NULL OR c.school_id = @SchoolId)
        AND (@LineCode IS NULL OR c.line_code = @LineCode)
        AND (@AllUnits = 1 OR c.unit_id IN @UnitIds)
        """;

    // Deadlines first in deadline order, then those without one: each half read in order from (supervised, supervision_due_at).
    private const string SupervisedSql = $"""
        SELECT {ListColumns}
          FROM ((SELECT c.id FROM clues c
                  WHERE c.supervised = 1 AND c.supervision_due_at IS NOT NULL AND {Open} {SupervisedScope}
                  ORDER BY c.supervision_due_at, c.id LIMIT @Limit)
                UNION ALL
                (SELECT c.id FROM clues c
                  WHERE c.supervised = 1 AND c.supervision_due_at IS NULL AND {Open} {SupervisedScope}
                  ORDER BY c.id LIMIT @Limit)) k
          JOIN clues c ON c.id = k.id
          JOIN schools s ON s.id = c.school_id
          JOIN worklist_items w ON w.no = c.item_no
         ORDER BY c.supervision_due_at IS NULL, c.supervision_due_at, c.id
         LIMIT @Limit
        """;

    /// <summary>Open supervised clues in a scope; <paramref name="unitIds"/>, when given, keeps only clues held by those units.</summary>
    public async Task<IReadOnlyList<ClueListItem>> SupervisedAsync(MySqlConnection conn, ClueScope scope, IReadOnlyList<long>? unitIds, int limit, CancellationToken ct) =>
        (await conn.QueryAsync<ClueListItem>(new CommandDefinition(SupervisedSql, new
        {
            scope.SchoolId, scope.LineCode, Limit = limit,
            AllUnits = unitIds is null, UnitIds = unitIds is null || unitIds.Count == 0 ? [0L] : unitIds,
        }, cancellationToken: ct))).AsList();

    private const string CountsSql = """
        SELECT COALESCE(SUM(created_at >= @From AND created_at < @To), 0) AS Reported,
               COALESCE(SUM(resolved_at >= @From AND resolved_at < @To AND state = 'Resolved'), 0) AS Resolved,
               COALESCE(SUM(state NOT IN ('Resolved', 'Withdrawn')), 0) AS Open,
               COALESCE(SUM(state NOT IN ('Resolved', 'Withdrawn') AND due_at < @Now), 0) AS Overdue,
               COALESCE(SUM(state NOT IN ('Resolved', 'Withdrawn') AND supervised = 1), 0) AS Supervised
          FROM clues
         WHERE (@SchoolId IS NULL OR school_id = @SchoolId)
           AND (@LineCode IS NULL OR line_code = @LineCode)
        """;

    /// <summary>统计 for a scope: reported and resolved in [from, to), and the open, overdue and supervised at <paramref name="nowUtc"/>.</summary>
    public Task<ClueCounts> CountsAsync(MySqlConnection conn, ClueScope scope, DateTime fromUtc, DateTime toUtc, DateTime nowUtc, CancellationToken ct) =>
        conn.QuerySingleAsync<ClueCounts>(new CommandDefinition(CountsSql,
            new { scope.SchoolId, scope.LineCode, From = fromUtc, To = toUtc, Now = nowUtc }, cancellationToken: ct));

    private const string OpenAssignedSql = """
        SELECT id AS ClueId, unit_id AS UnitId, version AS Version
          FROM clues
         WHERE assignee_user_id = @UserId AND state NOT IN ('Resolved', 'Withdrawn')
         ORDER BY id
        """;

    /// <summary>The open clues assigned to a person (a leaver's clues go before their unit head).</summary>
    public async Task<IReadOnlyList<(long ClueId, long? UnitId, int Version)>> OpenAssignedAsync(MySqlConnection conn, MySqlTransaction? tx, long userId, CancellationToken ct) =>
        (await conn.QueryAsync<(long, long?, int)>(new CommandDefinition(OpenAssignedSql, new { UserId = userId }, tx, cancellationToken: ct))).AsList();
}
