using System.Globalization;
using Dapper;
using MySqlConnector;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Statistics;

/// <summary>
/// The statistics read from the daily summary (issue 11; <see cref="ClueStore"/> keeps it): the period's counts,
/// rates, ratings and extensions are sums over its days; open-by-day is the open count at the period's start plus
/// each day's reports less its closings; only what cannot be summed exactly is read per clue, each from an index
/// bounded by the period: the times to accept and resolve (percentiles), the open clues past their due time (it
/// depends on now), the hot spots' first and last reports (for the pairs the summary shows reported three times).
/// </summary>
public sealed partial class StatisticsStore
{
    private const string Days = "c.day BETWEEN @FromDay AND @ToDay";

    /// <summary>The period's summary rows (from the primary key, or a line's or a school's covering index): summed here in one pass.</summary>
    private const string RowsSql = """
        SELECT c.state, c.item_no, c.town_id, c.school_id, c.line_code, c.clues, c.escalated, c.returned, c.extensions, c.redo,
               c.resolved_late, c.satisfied, c.basic, c.unsatisfied, c.unrated
          FROM clue_daily c
         WHERE c.day BETWEEN @FromDay AND @ToDay/**scope**/
        """;

    private static readonly string FlowsSql = $"""
        SELECT c.day, CAST(SUM(c.clues) AS SIGNED) FROM clue_daily c WHERE c.day BETWEEN @BaseDay AND @LastFullDay/**scope**/ GROUP BY c.day;
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

    private const string HotSpotsSql = """
        SELECT c.school_id AS SchoolId, c.item_no AS ItemNo, COUNT(*) AS Count, MIN(c.created_at) AS FirstAt, MAX(c.created_at) AS LastAt
          FROM clues c
         WHERE c.school_id IN @HotSchools AND c.created_at >= @HotFrom AND c.created_at < @To/**scope**/
         GROUP BY c.school_id, c.item_no
        HAVING COUNT(*) >= @HotThreshold
        """;

    /// <summary>What is read per clue of the period (percentiles, and overdue against now), from <c>ix_clues_created_stats</c> alone.</summary>
    private const string PerClueSql = $"""
        SELECT c.created_at, c.state, c.due_at, c.accepted_at, c.resolved_at
          FROM clues c FORCE INDEX (ix_clues_created_stats)
         WHERE {ReportedInPeriod}/**scope**/
        """;

    private sealed class HotRow
    {
        public long SchoolId { get; init; }
        public int ItemNo { get; init; }
        public int Count { get; init; }
        public DateTime FirstAt { get; init; }
        public DateTime LastAt { get; init; }
    }

    /// <summary>The summary rows summed by each dimension the figures count by.</summary>
    private sealed class Sums
    {
        public Dictionary<string, long> States { get; } = [];
        public Dictionary<int, long> Items { get; } = [];
        public Dictionary<long, long> Towns { get; } = [];
        public Dictionary<long, long> Schools { get; } = [];
        public Dictionary<string, (long Clues, long Extensions)> Lines { get; } = [];
        public long Escalated, Returned, Redo, ResolvedLate, Satisfied, Basic, Unsatisfied, Unrated;
    }

    private static void Add<TKey>(Dictionary<TKey, long> d, TKey key, long n) where TKey : notnull => d[key] = d.GetValueOrDefault(key) + n;

    /// <summary>The 会商研判 figures of the clues in scope reported in the China days [from, to], from the summary (the same answer as <see cref="ClueStatistics.Summarise"/> over every clue).</summary>
    public async Task<ClueSummary> SummaryAsync(MySqlConnection conn, DateOnly from, DateOnly to, DateTime nowUtc, StatisticsScope scope, CancellationToken ct)
    {
        var names = await NamesAsync(conn, ct);
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
        var args = new DynamicParameters(Args(start, end, scope));
        args.AddDynamicParams(new
        {
            FromDay = Day(from), ToDay = Day(to), BaseDay = Day(baseDay), LastFullDay = Day(lastFullDay), HotFromDay = Day(hotFromDay),
            HotThreshold = ClueStatistics.HotSpotThreshold, Now = nowUtc, Base = baseAt, TodayStart = todayStart,
            HotFrom = end - ClueStatistics.HotSpotWindow,
        });

        var sums = new Sums();
        await using (var d = await conn.ExecuteReaderAsync(new CommandDefinition(Scoped(RowsSql, where), args, cancellationToken: ct)))
        {
            while (await d.ReadAsync(ct))
            {
                var n = d.GetInt64(5);
                Add(sums.States, d.GetString(0), n);
                Add(sums.Items, d.GetInt32(1), n);
                Add(sums.Towns, d.GetInt64(2), n);
                Add(sums.Schools, d.GetInt64(3), n);
                var line = d.GetString(4);
                var l = sums.Lines.GetValueOrDefault(line);
                sums.Lines[line] = (l.Clues + n, l.Extensions + d.GetInt64(8));
                sums.Escalated += d.GetInt64(6); sums.Returned += d.GetInt64(7); sums.Redo += d.GetInt64(9); sums.ResolvedLate += d.GetInt64(10);
                sums.Satisfied += d.GetInt64(11); sums.Basic += d.GetInt64(12); sums.Unsatisfied += d.GetInt64(13); sums.Unrated += d.GetInt64(14);
            }
        }

        Dictionary<DateOnly, long> reportedByDay, closedByDay;
        List<(long SchoolId, int ItemNo)> hotPairs;
        long openAtBase, reportedToday, closedToday;
        using (var r = await conn.QueryMultipleAsync(new CommandDefinition(Scoped(FlowsSql, where), args, cancellationToken: ct)))
        {
            reportedByDay = (await r.ReadAsync<(DateTime Day, long Clues)>()).ToDictionary(x => DateOnly.FromDateTime(x.Day), x => x.Clues);
            closedByDay = (await r.ReadAsync<(DateTime Day, long Closed)>()).ToDictionary(x => DateOnly.FromDateTime(x.Day), x => x.Closed);
            hotPairs = (await r.ReadAsync<(long SchoolId, int ItemNo)>()).AsList();
            openAtBase = await r.ReadSingleAsync<long>() + await r.ReadSingleAsync<long>();
            (reportedToday, closedToday) = (await r.ReadSingleAsync<long>(), await r.ReadSingleAsync<long>());
        }

        var hotSpots = new List<HotSpot>();
        if (hotPairs.Count > 0)
        {
            args.Add("HotSchools", hotPairs.Select(p => p.SchoolId).Distinct().ToArray());
            foreach (var h in await conn.QueryAsync<HotRow>(new CommandDefinition(Scoped(HotSpotsSql, where), args, cancellationToken: ct)))
                hotSpots.Add(new HotSpot(h.SchoolId, names.Schools.GetValueOrDefault(h.SchoolId, ""), h.ItemNo, names.Items.GetValueOrDefault(h.ItemNo, ""),
                    h.Count, h.FirstAt, h.LastAt));
        }

        var (accept, resolve, openOverdue) = (new List<double>(), new List<double>(), 0L);
        await using (var d = await conn.ExecuteReaderAsync(new CommandDefinition(Scoped(PerClueSql, where), args, cancellationToken: ct)))
        {
            while (await d.ReadAsync(ct))
            {
                var created = d.GetDateTime(0);
                var state = d.GetString(1);
                var closed = state is nameof(ClueState.Resolved) or nameof(ClueState.Withdrawn);
                if (!closed && !d.IsDBNull(2) && nowUtc > d.GetDateTime(2)) openOverdue++;
                if (!d.IsDBNull(3)) accept.Add((d.GetDateTime(3) - created).TotalHours);
                if (state == nameof(ClueState.Resolved) && !d.IsDBNull(4)) resolve.Add((d.GetDateTime(4) - created).TotalHours);
            }
        }

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
            new OpenFlows(baseDay, openAtBase, reportedByDay, closedByDay, reportedToday, closedToday));
        return ClueStatistics.FromSummary(figures, from, to, nowUtc);
    }

    private static List<CountRow> Labelled<TKey>(Dictionary<TKey, long> sums, Func<TKey, string> label) where TKey : notnull =>
        sums.Where(x => x.Value > 0).Select(x => new CountRow(Convert.ToString(x.Key, CultureInfo.InvariantCulture)!, label(x.Key), x.Value)).ToList();

    private static DateTime Day(DateOnly d) => d.ToDateTime(TimeOnly.MinValue);

    private static string Scoped(string sql, string where) => sql.Replace("/**scope**/", where, StringComparison.Ordinal);
}
