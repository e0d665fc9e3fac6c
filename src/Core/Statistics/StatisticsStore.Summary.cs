using System.Globalization;
using System.Text;
using Dapper;
using MySqlConnector;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Statistics;

/// <summary>
/// The statistics read from the daily summary (issue 11; <see cref="ClueStore"/> keeps it): the period's counts,
/// rates, ratings and extensions are sums over its days, summed in the database; open-by-day is the open count at the
/// period's start plus each day's reports less its closings; only what cannot be summed exactly is read per clue, each
/// from an index bounded by the period and reduced in the database: the times to accept and resolve (counted, then
/// ranked there: only the values their percentiles need come back), the open clues past their due time (it depends on
/// now: a count), the hot spots' first and last reports (for the pairs the summary shows reported three times). The
/// reads run at once, each on a connection of its own.
/// </summary>
public sealed partial class StatisticsStore
{
    private const string Days = "c.day BETWEEN @FromDay AND @ToDay";

    /// <summary>
    /// The period's summary rows summed in the database, by the dimensions the figures count by, so that only the sums
    /// leave the server (a line's year: ~5,000 rows by school and town and a few dozen by state, item and line, instead
    /// of its 40,000 summary rows): from the primary key by day for the province, a line's or a school's covering index
    /// otherwise. Each on a connection of its own (<see cref="SummaryAsync"/>).
    /// </summary>
    private const string BySchoolSql = """
        SELECT c.school_id, c.town_id, CAST(SUM(c.clues) AS SIGNED)
          FROM clue_daily c
         WHERE c.day BETWEEN @FromDay AND @ToDay/**scope**/
         GROUP BY c.school_id, c.town_id ORDER BY NULL
        """;

    /// <summary>
    /// By day too: the reports of each whole day that open-by-day counts from are these rows' (its days, from the period's
    /// first or today to the last whole day, are always within the period), so no other read of the period's rows is needed.
    /// </summary>
    private const string ByStateSql = """
        SELECT c.day, c.state, c.item_no, c.line_code, CAST(SUM(c.clues) AS SIGNED), CAST(SUM(c.escalated) AS SIGNED), CAST(SUM(c.returned) AS SIGNED),
               CAST(SUM(c.extensions) AS SIGNED), CAST(SUM(c.redo) AS SIGNED), CAST(SUM(c.resolved_late) AS SIGNED), CAST(SUM(c.satisfied) AS SIGNED),
               CAST(SUM(c.basic) AS SIGNED), CAST(SUM(c.unsatisfied) AS SIGNED), CAST(SUM(c.unrated) AS SIGNED)
          FROM clue_daily c
         WHERE c.day BETWEEN @FromDay AND @ToDay/**scope**/
         GROUP BY c.day, c.state, c.item_no, c.line_code ORDER BY NULL
        """;

    private static readonly string FlowsSql = $"""
        SELECT c.day, CAST(SUM(c.closed) AS SIGNED) FROM clue_daily_closings c WHERE c.day BETWEEN @BaseDay AND @LastFullDay/**scope**/ GROUP BY c.day;
        SELECT c.school_id, c.item_no FROM clue_daily c WHERE c.day BETWEEN @HotFromDay AND @ToDay/**scope**/
         GROUP BY c.school_id, c.item_no HAVING SUM(c.clues) >= @HotThreshold;
        SELECT COUNT(*) FROM clues c FORCE INDEX (ix_clues_state_scope_created)
         WHERE c.state IN ('PendingAcceptance', 'InProgress', 'PendingReview', 'DispatchedToGrid', 'PendingConfirmation') AND c.created_at < @Base/**scope**/;
        SELECT COUNT(*) FROM clues c FORCE INDEX (ix_clues_updated_created)
         WHERE c.updated_at >= @Base AND c.created_at < @Base AND c.state IN ('Resolved', 'Withdrawn') AND {ClueStore.ClosedAtSql} >= @Base/**scope**/;
        SELECT COUNT(*) FROM clues c WHERE c.created_at >= @TodayStart AND c.created_at < @Now/**scope**/;
        SELECT COUNT(*) FROM clues c FORCE INDEX (ix_clues_updated_created)
         WHERE c.updated_at >= @TodayStart AND c.state IN ('Resolved', 'Withdrawn')
           AND {ClueStore.ClosedAtSql} >= @TodayStart AND {ClueStore.ClosedAtSql} < @Now/**scope**/;
        """;

    /// <summary>
    /// The hot spots' first and last reports, for exactly the (school, item) pairs the summary shows reported often enough
    /// in the window (the same window, by China days): ranges of <c>ix_clues_school_item</c> (school, item, report time),
    /// so only those pairs' clues are looked up (a line's year: ~3,000 instead of the hot schools' 9,000).
    /// </summary>
    private const string HotSpotsSql = """
        SELECT c.school_id AS SchoolId, c.item_no AS ItemNo, COUNT(*) AS Count, MIN(c.created_at) AS FirstAt, MAX(c.created_at) AS LastAt
          FROM clues c
         WHERE (c.school_id, c.item_no) IN (/**hot pairs**/) AND c.created_at >= @HotFrom AND c.created_at < @To/**scope**/
         GROUP BY c.school_id, c.item_no
        HAVING COUNT(*) >= @HotThreshold
        """;

    /// <summary>
    /// What is counted per clue of the period, in one read of the stats index (<see cref="StatsIndex"/>): the clues with a
    /// time to accept, those with a time to resolve, and the open ones past their due time now (it depends on now).
    /// </summary>
    private const string PerClueCountsSql = $"""
        SELECT COUNT(c.accepted_at), COUNT(CASE WHEN c.state = 'Resolved' THEN c.resolved_at END),
               COUNT(CASE WHEN c.state NOT IN ('Resolved', 'Withdrawn') AND c.due_at < @Now THEN 1 END)
          FROM clues c FORCE INDEX (/**stats index**/)
         WHERE {ReportedInPeriod}/**scope**/
        """;

    /// <summary>
    /// A duration's values at the ranks (0-based) its median and 90th percentile interpolate between, given by
    /// <see cref="ClueStatistics.PercentileRanks"/> from its count (<see cref="PerClueCountsSql"/>, read in the same
    /// transaction, so the same clues), ranked in the database: microseconds, exact (every time is DATETIME(6)), from the
    /// stats index alone. A line's year sends 4 rows instead of 40,000; without a window count the ranking is one pass.
    /// </summary>
    private static string DurationSql(string until, bool resolvedOnly) => $"""
        SELECT t.rn - 1 AS rnk, t.us FROM (
            SELECT TIMESTAMPDIFF(MICROSECOND, c.created_at, {until}) AS us,
                   ROW_NUMBER() OVER (ORDER BY TIMESTAMPDIFF(MICROSECOND, c.created_at, {until})) AS rn
              FROM clues c FORCE INDEX (/**stats index**/)
             WHERE {ReportedInPeriod} AND {until} IS NOT NULL{(resolvedOnly ? " AND c.state = 'Resolved'" : "")}/**scope**/) t
         WHERE t.rn - 1 IN @Ranks
        """;

    /// <summary>A line's clues of a period are a range of <c>ix_clues_line_created_stats</c> (V0670); the rest a range of report times.</summary>
    private static string StatsIndex(StatisticsScope scope) => scope.Lines is not null ? "ix_clues_line_created_stats" : "ix_clues_created_stats";

    private static readonly string AcceptSql = DurationSql("c.accepted_at", resolvedOnly: false);
    private static readonly string ResolveSql = DurationSql("c.resolved_at", resolvedOnly: true);

    private sealed class HotRow
    {
        public long SchoolId { get; init; }
        public int ItemNo { get; init; }
        public int Count { get; init; }
        public DateTime FirstAt { get; init; }
        public DateTime LastAt { get; init; }
    }

    /// <summary>The period's summary summed by each dimension the figures count by.</summary>
    private sealed class Sums
    {
        public Dictionary<string, long> States { get; } = [];
        public Dictionary<int, long> Items { get; } = [];
        public Dictionary<long, long> Towns { get; } = [];
        public Dictionary<long, long> Schools { get; } = [];
        public Dictionary<string, (long Clues, long Extensions)> Lines { get; } = [];
        /// <summary>Each whole day's reports (to the last whole day; open-by-day's flows).</summary>
        public Dictionary<DateOnly, long> ReportedByDay { get; } = [];
        public long Escalated, Returned, Redo, ResolvedLate, Satisfied, Basic, Unsatisfied, Unrated;
    }

    private static void Add<TKey>(Dictionary<TKey, long> d, TKey key, long n) where TKey : notnull => d[key] = d.GetValueOrDefault(key) + n;

    /// <summary>The 会商研判 figures of the clues in scope reported in the China days [from, to], from the summary (the same answer as <see cref="ClueStatistics.Summarise"/> over every clue).</summary>
    public async Task<ClueSummary> SummaryAsync(MySqlConnection conn, DateOnly from, DateOnly to, DateTime nowUtc, StatisticsScope scope, CancellationToken ct)
    {
        var where = ScopeConditions(scope);
        var start = ClueStatistics.StartUtc(from);
        var end = ClueStatistics.StartUtc(to.AddDays(1));
        var today = DateOnly.FromDateTime(nowUtc + ClueStatistics.ChinaOffset);
        var todayStart = ClueStatistics.StartUtc(today);
        // Open-by-day counts from a moment no later than the period's start or today's (the days evaluated at now).
        var baseAt = start < todayStart ? start : todayStart;
        var baseDay = from < today ? from : today;
        var lastFullDay = to < today.AddDays(-1) ? to : today.AddDays(-1);
        var hotFromDay = to.AddDays(1 - (int)ClueStatistics.HotSpotWindow.TotalDays);
        // Each statement its own parameters (Dapper's are filled in as a command uses them, so never shared between two at once).
        DynamicParameters Parameters()
        {
            var p = new DynamicParameters(Args(start, end, scope));
            p.AddDynamicParams(new
            {
                FromDay = Day(from), ToDay = Day(to), BaseDay = Day(baseDay), LastFullDay = Day(lastFullDay), HotFromDay = Day(hotFromDay),
                HotThreshold = ClueStatistics.HotSpotThreshold, Now = nowUtc, Base = baseAt, TodayStart = todayStart,
                HotFrom = end - ClueStatistics.HotSpotWindow,
            });
            return p;
        }

        // The reads do not depend on each other: each on a connection of its own at once (the summary rows on the caller's),
        // so that a report waits for its longest read, not for their sum.
        var namesRead = Own(c => NamesAsync(c, ct), ct);
        var flowsRead = Own(c => FlowsAsync(c, Scoped(FlowsSql, where), Scoped(HotSpotsSql, where), Parameters, ct), ct);
        var perClueRead = Own(c => PerClueAsync(c, Scoped(PerClueCountsSql, where, scope), Scoped(AcceptSql, where, scope), Scoped(ResolveSql, where, scope),
            Parameters, ct), ct);
        var bySchoolRead = Own(c => c.QueryAsync<(long SchoolId, long TownId, long Clues)>(new CommandDefinition(Scoped(BySchoolSql, where), Parameters(), cancellationToken: ct)), ct);
        var sumsRead = SumsAsync(conn, Scoped(ByStateSql, where), Parameters(), lastFullDay, ct);
        await Task.WhenAll(namesRead, flowsRead, perClueRead, bySchoolRead, sumsRead);   // all ended (and their connections back) before any error
        var (names, flows, sums) = (await namesRead, await flowsRead, await sumsRead);
        foreach (var (schoolId, townId, clues) in await bySchoolRead)
        {
            Add(sums.Schools, schoolId, clues);
            Add(sums.Towns, townId, clues);
        }
        var (accept, resolve, openOverdue) = await perClueRead;
        var hotSpots = flows.HotSpots.Select(h => new HotSpot(h.SchoolId, names.Schools.GetValueOrDefault(h.SchoolId, ""), h.ItemNo,
            names.Items.GetValueOrDefault(h.ItemNo, ""), h.Count, h.FirstAt, h.LastAt)).ToList();

        var figures = new SummaryFigures(
            sums.States.Where(x => x.Value > 0).Select(x => new CountRow(x.Key, Enum.Parse<ClueState>(x.Key).Zh(), x.Value)).ToList(),
            Labelled(sums.Items, k => names.Items.GetValueOrDefault(k, "")),
            Labelled(sums.Towns, k => names.Towns.GetValueOrDefault(k, "")),
            Labelled(sums.Schools, k => names.Schools.GetValueOrDefault(k, "")),
            Labelled(sums.Lines.ToDictionary(x => x.Key, x => x.Value.Clues), k => names.Lines.GetValueOrDefault(k, "")),
            sums.Lines.Where(x => x.Value.Extensions > 0).Select(x => new CountRow(x.Key, names.Lines.GetValueOrDefault(x.Key, ""), x.Value.Extensions)).ToList(),
            sums.Escalated, sums.Returned, sums.ResolvedLate + openOverdue,
            new Satisfaction((int)sums.Satisfied, (int)sums.Basic, (int)sums.Unsatisfied, (int)sums.Unrated, (int)sums.Redo, null),
            accept, resolve, hotSpots,
            new OpenFlows(baseDay, flows.OpenAtBase, sums.ReportedByDay, flows.ClosedByDay, flows.ReportedToday, flows.ClosedToday));
        return ClueStatistics.FromSummary(figures, from, to, nowUtc);
    }

    private async Task<T> Own<T>(Func<MySqlConnection, Task<T>> read, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await read(conn);
    }

    /// <summary>The sums by day, state, item and line (<see cref="ByStateSql"/>) summed again by each of them, and in all.</summary>
    private static async Task<Sums> SumsAsync(MySqlConnection conn, string sql, DynamicParameters args, DateOnly lastFullDay, CancellationToken ct)
    {
        var sums = new Sums();
        await using var d = await conn.ExecuteReaderAsync(new CommandDefinition(sql, args, cancellationToken: ct));
        while (await d.ReadAsync(ct))
        {
            var n = d.GetInt64(4);
            var day = DateOnly.FromDateTime(d.GetDateTime(0));
            if (day <= lastFullDay) Add(sums.ReportedByDay, day, n);
            Add(sums.States, d.GetString(1), n);
            Add(sums.Items, d.GetInt32(2), n);
            var line = d.GetString(3);
            var l = sums.Lines.GetValueOrDefault(line);
            sums.Lines[line] = (l.Clues + n, l.Extensions + d.GetInt64(7));
            sums.Escalated += d.GetInt64(5); sums.Returned += d.GetInt64(6); sums.Redo += d.GetInt64(8); sums.ResolvedLate += d.GetInt64(9);
            sums.Satisfied += d.GetInt64(10); sums.Basic += d.GetInt64(11); sums.Unsatisfied += d.GetInt64(12); sums.Unrated += d.GetInt64(13);
        }
        return sums;
    }

    private sealed record Flows(Dictionary<DateOnly, long> ClosedByDay, long OpenAtBase,
        long ReportedToday, long ClosedToday, List<HotRow> HotSpots);

    /// <summary>Open-by-day's flows, then the hot spots' first and last reports for the pairs the summary shows often enough.</summary>
    private static async Task<Flows> FlowsAsync(MySqlConnection conn, string flowsSql, string hotSpotsSql, Func<DynamicParameters> args, CancellationToken ct)
    {
        Dictionary<DateOnly, long> closedByDay;
        List<(long SchoolId, int ItemNo)> hotPairs;
        long openAtBase, reportedToday, closedToday;
        using (var r = await conn.QueryMultipleAsync(new CommandDefinition(flowsSql, args(), cancellationToken: ct)))
        {
            closedByDay = (await r.ReadAsync<(DateTime Day, long Closed)>()).ToDictionary(x => DateOnly.FromDateTime(x.Day), x => x.Closed);
            hotPairs = (await r.ReadAsync<(long SchoolId, int ItemNo)>()).AsList();
            openAtBase = await r.ReadSingleAsync<long>() + await r.ReadSingleAsync<long>();
            (reportedToday, closedToday) = (await r.ReadSingleAsync<long>(), await r.ReadSingleAsync<long>());
        }
        var hot = new List<HotRow>();
        if (hotPairs.Count > 0)
        {
            // A row constructor per pair, each value a parameter (Dapper expands lists, not pairs).
            var p = args();
            var pairs = new StringBuilder();
            for (var i = 0; i < hotPairs.Count; i++)
            {
                pairs.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(@HotSchool{i}, @HotItem{i})");
                p.Add($"HotSchool{i}", hotPairs[i].SchoolId);
                p.Add($"HotItem{i}", hotPairs[i].ItemNo);
            }
            var sql = hotSpotsSql.Replace("/**hot pairs**/", pairs.ToString(), StringComparison.Ordinal);
            hot = (await conn.QueryAsync<HotRow>(new CommandDefinition(sql, p, cancellationToken: ct))).AsList();
        }
        return new Flows(closedByDay, openAtBase, reportedToday, closedToday, hot);
    }

    /// <summary>
    /// The per-clue figures (<see cref="PerClueCountsSql"/>, then the two rankings at the ranks the counts name), in one
    /// read-only transaction: one snapshot, so each ranking ranks exactly the clues its count counted.
    /// </summary>
    private static async Task<(DurationStats Accept, DurationStats Resolve, long OpenOverdue)> PerClueAsync(MySqlConnection conn, string countsSql,
        string acceptSql, string resolveSql, Func<DynamicParameters> args, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, isReadOnly: true, ct);
        var (accepted, resolved, openOverdue) = await conn.QuerySingleAsync<(long, long, long)>(new CommandDefinition(countsSql, args(), tx, cancellationToken: ct));
        var accept = await DurationAsync(conn, tx, acceptSql, accepted, args(), ct);
        var resolve = await DurationAsync(conn, tx, resolveSql, resolved, args(), ct);
        await tx.CommitAsync(ct);
        return (accept, resolve, openOverdue);
    }

    /// <summary>A duration's figures from its count and the values at the ranks they need (<see cref="DurationSql"/>).</summary>
    private static async Task<DurationStats> DurationAsync(MySqlConnection conn, MySqlTransaction tx, string sql, long count, DynamicParameters args, CancellationToken ct)
    {
        if (count == 0) return ClueStatistics.Durations(0, _ => 0);
        var (medianLo, medianHi) = ClueStatistics.PercentileRanks(count, 0.5);
        var (p90Lo, p90Hi) = ClueStatistics.PercentileRanks(count, 0.9);
        args.Add("Ranks", new[] { medianLo, medianHi, p90Lo, p90Hi }.Distinct().ToArray());
        var atRank = (await conn.QueryAsync<(long Rank, long Us)>(new CommandDefinition(sql, args, tx, cancellationToken: ct)))
            .ToDictionary(x => x.Rank, x => TimeSpan.FromTicks(x.Us * TimeSpan.TicksPerMicrosecond).TotalHours);
        return ClueStatistics.Durations(count, rank => atRank[rank]);
    }

    private static List<CountRow> Labelled<TKey>(Dictionary<TKey, long> sums, Func<TKey, string> label) where TKey : notnull =>
        sums.Where(x => x.Value > 0).Select(x => new CountRow(Convert.ToString(x.Key, CultureInfo.InvariantCulture)!, label(x.Key), x.Value)).ToList();

    private static DateTime Day(DateOnly d) => d.ToDateTime(TimeOnly.MinValue);

    private static string Scoped(string sql, string where) => sql.Replace("/**scope**/", where, StringComparison.Ordinal);

    private static string Scoped(string sql, string where, StatisticsScope scope) =>
        Scoped(sql, where).Replace("/**stats index**/", StatsIndex(scope), StringComparison.Ordinal);
}
