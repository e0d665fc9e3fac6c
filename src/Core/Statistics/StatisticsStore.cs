using System.Runtime.CompilerServices;
using System.Text;
using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Statistics;

/// <summary>
/// The clue reads behind the statistics (会商研判). Each set of clues is read from its own index (issue 11: one
/// OR over the table and three correlated subqueries per clue read the whole timeline of the province): the
/// clues reported in the period, the open ones from before it, and those from before it closed since its
/// start; the acceptances, escalations and returns of the period's clues from ranges of <c>(action, clue_id)</c>; the
/// names from the small tables once.
/// </summary>
public sealed partial class StatisticsStore(MySqlDataSource db)
{
    /// <summary>What the figures read of a clue (its number only for an export: a year of the province is 200,000 strings).</summary>
    private const string FactColumns = $"""
        c.id AS {nameof(ClueFact.Id)}, c.school_id AS {nameof(ClueFact.SchoolId)},
        c.town_id AS {nameof(ClueFact.TownId)}, c.item_no AS {nameof(ClueFact.ItemNo)}, c.line_code AS {nameof(ClueFact.LineCode)},
        c.state AS {nameof(ClueFact.State)}, c.created_at AS {nameof(ClueFact.CreatedAt)}, c.updated_at AS {nameof(ClueFact.UpdatedAt)},
        c.due_at AS {nameof(ClueFact.DueAt)}, c.resolved_at AS {nameof(ClueFact.ResolvedAt)}, c.supervised AS {nameof(ClueFact.Supervised)},
        c.rating AS {nameof(ClueFact.Rating)}, c.redo AS {nameof(ClueFact.Redo)}
        """;

    private const string ReportedInPeriod = "c.created_at >= @From AND c.created_at < @To";
    /// <summary>The open states by name (an IN of equalities, so (state, created_at) is read as five tight ranges).</summary>
    private const string OpenFromBefore = "c.state IN ('PendingAcceptance', 'InProgress', 'PendingReview', 'DispatchedToGrid', 'PendingConfirmation') AND c.created_at < @From";
    private const string ClosedSinceFromBefore = "c.updated_at >= @From AND c.created_at < @From AND c.state IN ('Resolved', 'Withdrawn')";

    /// <summary>
    /// The three sets with the index each is bounded by: the period's reports; the open clues (the live work, a
    /// few percent of the table, whatever its history); the clues updated since the period's start. Left to
    /// itself, the optimiser reads a whole line's history for the last two when a line is asked for.
    /// </summary>
    private static readonly (string Condition, string Index)[] FactSets =
    [
        (ReportedInPeriod, ""), (OpenFromBefore, " FORCE INDEX (ix_clues_state_scope_created)"), (ClosedSinceFromBefore, " FORCE INDEX (ix_clues_updated_created)"),
    ];

    private const string NamesSql = """
        SELECT id, name FROM schools;
        SELECT id, name FROM regions WHERE level = 'Town';
        SELECT no, label FROM worklist_items;
        SELECT code, COALESCE(short_zh, name_zh) FROM org_lines;
        """;

    // Each a range of (action, clue_id) over the ids of the period's clues (cheaper than a look-up per clue, even
    // for a line's fifth of them: the index is read in order, grouped as it goes).
    private const string MilestonesSql = """
        SELECT clue_id AS ClueId, 'Accept' AS Action, MIN(occurred_at) AS At FROM clue_events
         WHERE action = 'Accept' AND clue_id BETWEEN @Lo AND @Hi GROUP BY clue_id;
        SELECT DISTINCT clue_id AS ClueId, 'Escalate' AS Action, CAST(NULL AS DATETIME(6)) AS At FROM clue_events
         WHERE action IN ('Escalate', 'ApproveEscalation') AND clue_id BETWEEN @Lo AND @Hi;
        SELECT DISTINCT clue_id AS ClueId, 'Return' AS Action, CAST(NULL AS DATETIME(6)) AS At FROM clue_events
         WHERE action = 'Return' AND clue_id BETWEEN @Lo AND @Hi;
        SELECT clue_id AS ClueId, 'Extension' AS Action, occurred_at AS At FROM clue_events
         WHERE action = 'ApproveExtension' AND clue_id BETWEEN @Lo AND @Hi;
        """;

    private const string CountSql = "SELECT COUNT(*) FROM clues c WHERE {0}{1}";

    private sealed record Names(Dictionary<long, string> Schools, Dictionary<long, string> Towns, Dictionary<int, string> Items, Dictionary<string, string> Lines)
    {
        /// <summary>One string per line code, so a year of facts does not hold 200,000 copies of "POL".</summary>
        public Dictionary<string, string> LineCodes { get; } = Lines.Keys.ToDictionary(k => k);
    }

    private sealed record Milestone(long ClueId, string Action, DateTime? At);

    private static string ScopeConditions(StatisticsScope scope)
    {
        var sql = new StringBuilder();
        if (scope.Lines is not null) sql.Append(" AND c.line_code IN @Lines");
        if (scope.Schools is not null) sql.Append(" AND c.school_id IN @Schools");
        if (scope.ListUnits is not null) sql.Append(" AND (c.line_code IN @ListLines OR c.unit_id IN @ListUnits OR c.dispatching_unit_id IN @ListUnits)");
        return sql.ToString();
    }

    private static object Args(DateTime fromUtc, DateTime toUtc, StatisticsScope scope) => new
    {
        From = fromUtc, To = toUtc,
        Lines = scope.Lines is { Count: > 0 } l ? l.ToArray() : ["-"],
        Schools = scope.Schools is { Count: > 0 } s ? s.ToArray() : [-1L],
        ListLines = scope.ListLines is { Count: > 0 } ll ? ll.ToArray() : ["-"],
        ListUnits = scope.ListUnits is { Count: > 0 } lu ? lu.ToArray() : [-1L],
    };

    private static async Task<Names> NamesAsync(MySqlConnection conn, CancellationToken ct)
    {
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(NamesSql, cancellationToken: ct));
        return new Names(
            (await r.ReadAsync<(long, string)>()).ToDictionary(x => x.Item1, x => x.Item2),
            (await r.ReadAsync<(long, string)>()).ToDictionary(x => x.Item1, x => x.Item2),
            (await r.ReadAsync<(int, string)>()).ToDictionary(x => x.Item1, x => x.Item2),
            (await r.ReadAsync<(string, string)>()).ToDictionary(x => x.Item1, x => x.Item2));
    }

    /// <summary>The fact with its names (shared strings of the small tables) and, for a clue of the period, its milestones: one copy.</summary>
    private static ClueFact Named(ClueFact f, Names n, (DateTime? Accepted, bool Escalated, bool Returned, int Extensions) m = default) => f with
    {
        SchoolName = n.Schools.GetValueOrDefault(f.SchoolId, ""), TownName = n.Towns.GetValueOrDefault(f.TownId, ""),
        ItemLabel = n.Items.GetValueOrDefault(f.ItemNo, ""), LineName = n.Lines.GetValueOrDefault(f.LineCode, ""),
        LineCode = n.Lines.ContainsKey(f.LineCode) ? n.LineCodes[f.LineCode] : f.LineCode,
        AcceptedAt = m.Accepted, Escalated = m.Escalated, Returned = m.Returned, Extensions = m.Extensions,
    };

    /// <summary>
    /// Clues in scope reported before <paramref name="toUtc"/> that were reported in the period or were still
    /// open at its start (closed later, or not at all), in report order. Acceptance, escalation and return are
    /// read for the clues reported in the period (the only ones the figures take them from).
    /// </summary>
    public async Task<IReadOnlyList<ClueFact>> FactsAsync(MySqlConnection conn, DateTime fromUtc, DateTime toUtc, StatisticsScope scope, CancellationToken ct)
    {
        var names = await NamesAsync(conn, ct);
        var where = ScopeConditions(scope);
        var sql = string.Join("\nUNION ALL\n", FactSets.Select(b => $"SELECT {FactColumns} FROM clues c{b.Index} WHERE {b.Condition}{where}"));
        var facts = (await conn.QueryAsync<ClueFact>(new CommandDefinition(sql, Args(fromUtc, toUtc, scope), cancellationToken: ct))).AsList();
        var milestones = new Dictionary<long, (DateTime? Accepted, bool Escalated, bool Returned, int Extensions)>();
        var period = facts.Where(f => f.CreatedAt >= fromUtc).Select(f => f.Id).ToHashSet();
        if (period.Count > 0)
        {
            using var r = await conn.QueryMultipleAsync(new CommandDefinition(MilestonesSql, new { Lo = period.Min(), Hi = period.Max() }, cancellationToken: ct));
            var all = (await r.ReadAsync<Milestone>()).Concat(await r.ReadAsync<Milestone>()).Concat(await r.ReadAsync<Milestone>())
                .Concat(await r.ReadAsync<Milestone>());
            foreach (var m in all)
            {
                if (!period.Contains(m.ClueId)) continue;
                var v = milestones.GetValueOrDefault(m.ClueId);
                milestones[m.ClueId] = m.Action switch
                {
                    "Accept" => v with { Accepted = m.At },
                    "Escalate" => v with { Escalated = true },
                    "Extension" => v with { Extensions = v.Extensions + 1 },
                    _ => v with { Returned = true },
                };
            }
        }
        var named = new List<ClueFact>(facts.Count);
        foreach (var f in facts) named.Add(Named(f, names, milestones.GetValueOrDefault(f.Id)));
        facts.Clear();
        named.Sort((a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : a.Id.CompareTo(b.Id));
        return named;
    }

    /// <summary>
    /// The figures by their definition, from every clue in scope held in memory (how they were computed before the
    /// summary, issue 11): the answer <see cref="SummaryAsync"/> must give, for the tests and the bench to compare.
    /// </summary>
    public async Task<ClueSummary> ByDefinitionAsync(MySqlConnection conn, DateOnly from, DateOnly to, DateTime nowUtc, StatisticsScope scope, CancellationToken ct)
    {
        var start = ClueStatistics.StartUtc(from);
        var end = ClueStatistics.StartUtc(to.AddDays(1));
        var facts = await FactsAsync(conn, start, end, scope, ct);
        // Hot spots look back 90 days from the period's end, even when the period is shorter.
        var hot = end - ClueStatistics.HotSpotWindow < start ? await FactsAsync(conn, end - ClueStatistics.HotSpotWindow, end, scope, ct) : facts;
        return ClueStatistics.Summarise(facts, from, to, nowUtc, hot);
    }

    /// <summary>How many clues in scope were reported in the period (an export's size, for its audit entry).</summary>
    public Task<long> CountReportedAsync(MySqlConnection conn, DateTime fromUtc, DateTime toUtc, StatisticsScope scope, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(string.Format(System.Globalization.CultureInfo.InvariantCulture, CountSql, ReportedInPeriod, ScopeConditions(scope)),
            Args(fromUtc, toUtc, scope), cancellationToken: ct));

    /// <summary>
    /// The clues in scope reported in the period, in report order, read as they are written out (an export streams them):
    /// one connection of its own, held while the caller enumerates.
    /// </summary>
    public async IAsyncEnumerable<ClueFact> ReportedAsync(MySqlDataSource db, DateTime fromUtc, DateTime toUtc, StatisticsScope scope,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var names = await NamesAsync(conn, ct);
        var sql = $"SELECT c.number AS {nameof(ClueFact.Number)}, {FactColumns} FROM clues c WHERE {ReportedInPeriod}{ScopeConditions(scope)} ORDER BY c.created_at, c.id";
        await foreach (var f in conn.QueryUnbufferedAsync<ClueFact>(sql, Args(fromUtc, toUtc, scope)).WithCancellation(ct))
            yield return Named(f, names);
    }
}
