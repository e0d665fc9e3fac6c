using System.Runtime.CompilerServices;
using System.Text;
using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Statistics;

/// <summary>
/// The clue reads behind the statistics (会商研判). Each set of clues is read from its own index (issue 11: one
/// OR over the table and three correlated subqueries per clue read the whole timeline of the province): the
/// clues reported in the period, the open ones from before it, and those from before it closed since its
/// start; the acceptances, escalations and returns of the period's clues from <c>(action, clue_id)</c>; the
/// names from the small tables once.
/// </summary>
public sealed class StatisticsStore
{
    private const string FactColumns = $"""
        c.id AS {nameof(ClueFact.Id)}, c.number AS {nameof(ClueFact.Number)}, c.school_id AS {nameof(ClueFact.SchoolId)},
        c.town_id AS {nameof(ClueFact.TownId)}, c.item_no AS {nameof(ClueFact.ItemNo)}, c.line_code AS {nameof(ClueFact.LineCode)},
        c.state AS {nameof(ClueFact.State)}, c.created_at AS {nameof(ClueFact.CreatedAt)}, c.updated_at AS {nameof(ClueFact.UpdatedAt)},
        c.due_at AS {nameof(ClueFact.DueAt)}, c.resolved_at AS {nameof(ClueFact.ResolvedAt)}, c.supervised AS {nameof(ClueFact.Supervised)}
        """;

    private const string ReportedInPeriod = "c.created_at >= @From AND c.created_at < @To";
    private const string OpenFromBefore = "c.state NOT IN ('Resolved', 'Withdrawn') AND c.created_at < @From";
    private const string ClosedSinceFromBefore = "c.updated_at >= @From AND c.created_at < @From AND c.state IN ('Resolved', 'Withdrawn')";

    private const string NamesSql = """
        SELECT id, name FROM schools;
        SELECT id, name FROM regions WHERE level = 'Town';
        SELECT no, label FROM worklist_items;
        SELECT code, COALESCE(short_zh, name_zh) FROM org_lines;
        """;

    private const string MilestonesSql = """
        SELECT clue_id AS ClueId, action AS Action, MIN(occurred_at) AS At
          FROM clue_events
         WHERE action IN ('Accept', 'Escalate', 'Return') AND clue_id BETWEEN @Lo AND @Hi
         GROUP BY action, clue_id
        """;

    private const string CountSql = "SELECT COUNT(*) FROM clues c WHERE {0}{1}";

    private sealed record Names(Dictionary<long, string> Schools, Dictionary<long, string> Towns, Dictionary<int, string> Items, Dictionary<string, string> Lines);

    private sealed record Milestone(long ClueId, string Action, DateTime At);

    private static string ScopeConditions(StatisticsScope scope)
    {
        var sql = new StringBuilder();
        if (scope.Lines is not null) sql.Append(" AND c.line_code IN @Lines");
        if (scope.Schools is not null) sql.Append(" AND c.school_id IN @Schools");
        return sql.ToString();
    }

    private static object Args(DateTime fromUtc, DateTime toUtc, StatisticsScope scope) => new
    {
        From = fromUtc, To = toUtc,
        Lines = scope.Lines is { Count: > 0 } l ? l.ToArray() : ["-"],
        Schools = scope.Schools is { Count: > 0 } s ? s.ToArray() : [-1L],
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

    private static ClueFact Named(ClueFact f, Names n) => f with
    {
        SchoolName = n.Schools.GetValueOrDefault(f.SchoolId, ""), TownName = n.Towns.GetValueOrDefault(f.TownId, ""),
        ItemLabel = n.Items.GetValueOrDefault(f.ItemNo, ""), LineName = n.Lines.GetValueOrDefault(f.LineCode, ""),
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
        var sql = string.Join("\nUNION ALL\n", new[] { ReportedInPeriod, OpenFromBefore, ClosedSinceFromBefore }.Select(b => $"SELECT {FactColumns} FROM clues c WHERE {b}{where}"));
        var facts = (await conn.QueryAsync<ClueFact>(new CommandDefinition(sql, Args(fromUtc, toUtc, scope), cancellationToken: ct))).AsList();
        var period = facts.Where(f => f.CreatedAt >= fromUtc).ToList();
        var milestones = new Dictionary<long, (DateTime? Accepted, bool Escalated, bool Returned)>();
        if (period.Count > 0)
        {
            var ids = period.Select(f => f.Id).ToHashSet();
            foreach (var m in await conn.QueryAsync<Milestone>(new CommandDefinition(MilestonesSql,
                new { Lo = ids.Min(), Hi = ids.Max() }, cancellationToken: ct)))
            {
                if (!ids.Contains(m.ClueId)) continue;
                var v = milestones.GetValueOrDefault(m.ClueId);
                milestones[m.ClueId] = m.Action switch
                {
                    "Accept" => v with { Accepted = m.At },
                    "Escalate" => v with { Escalated = true },
                    _ => v with { Returned = true },
                };
            }
        }
        return facts
            .Select(f => milestones.TryGetValue(f.Id, out var m)
                ? Named(f, names) with { AcceptedAt = m.Accepted, Escalated = m.Escalated, Returned = m.Returned }
                : Named(f, names))
            .OrderBy(f => f.CreatedAt).ThenBy(f => f.Id)
            .ToList();
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
        var sql = $"SELECT {FactColumns} FROM clues c WHERE {ReportedInPeriod}{ScopeConditions(scope)} ORDER BY c.created_at, c.id";
        await foreach (var f in conn.QueryUnbufferedAsync<ClueFact>(sql, Args(fromUtc, toUtc, scope)).WithCancellation(ct))
            yield return Named(f, names);
    }
}
