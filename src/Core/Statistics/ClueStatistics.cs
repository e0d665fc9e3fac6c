using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Statistics;

/// <summary>Which clues a person's statistics cover: everything (admin), some lines (district departments) or some schools (co-leaders).</summary>
/// <param name="ListUnits">
/// For a list of clues (an export): when set, only clues of <paramref name="ListLines"/> or held (or sent to dispatch) by one
/// of these units — counts cover a department's line, a list only the clues the person could open.
/// </param>
public sealed record StatisticsScope(IReadOnlyList<string>? Lines, IReadOnlyList<long>? Schools,
    IReadOnlyList<string>? ListLines = null, IReadOnlyList<long>? ListUnits = null)
{
    /// <summary>The admin everything; a district department's staff their lines; co-leaders their schools; anyone else nothing (null).</summary>
    public static StatisticsScope? For(Actor actor) =>
        actor.IsEduAdmin ? new StatisticsScope(null, null)
        : actor.DistrictLines.Count > 0 ? new StatisticsScope(actor.DistrictLines.Order(StringComparer.Ordinal).ToList(), null)
        : actor.CoLeaderSchools.Count > 0 ? new StatisticsScope(null, actor.CoLeaderSchools.Order().ToList())
        : null;

    /// <summary>
    /// The scope of a list of clues (an export): what the person could open (CluePermissions). The admin and co-leaders (their
    /// schools) as their statistics; a department's staff the lines they are liaison of, and otherwise only the clues their
    /// units hold or asked to dispatch.
    /// </summary>
    public StatisticsScope ForListing(Actor actor) =>
        actor.IsEduAdmin || Lines is null ? this
            : this with { ListLines = actor.LiaisonLines.Order(StringComparer.Ordinal).ToList(), ListUnits = actor.StaffUnits.Order().ToList() };
}

/// <summary>One clue as the statistics read it.</summary>
public sealed record ClueFact
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public long SchoolId { get; init; }
    public string SchoolName { get; init; } = "";
    public long TownId { get; init; }
    public string TownName { get; init; } = "";
    public int ItemNo { get; init; }
    public string ItemLabel { get; init; } = "";
    public string LineCode { get; init; } = "";
    /// <summary>The line's department as people name it (e.g. 市公安局余杭区分局, 区卫健局).</summary>
    public string LineName { get; init; } = "";
    public ClueState State { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? DueAt { get; init; }
    public DateTime? ResolvedAt { get; init; }
    public DateTime? AcceptedAt { get; init; }
    public bool Supervised { get; init; }
    public bool Escalated { get; init; }
    public bool Returned { get; init; }
    /// <summary>Approved extensions (延期), over every tier.</summary>
    public int Extensions { get; init; }
    /// <summary>The reporter's follow-up rating (回访), or 未评价 once its time passed; null while it may still come.</summary>
    public ClueRating? Rating { get; init; }
    /// <summary>Reopened by a 不满意 rating (重办).</summary>
    public bool Redo { get; init; }

    /// <summary>When the clue stopped being open (resolved, or withdrawn at its last update); null while open.</summary>
    public DateTime? ClosedAt => State switch
    {
        ClueState.Resolved => ResolvedAt ?? UpdatedAt,
        ClueState.Withdrawn => UpdatedAt,
        _ => null,
    };

    /// <summary>Overdue: open past its due time, or resolved after it.</summary>
    public bool IsOverdue(DateTime nowUtc) => DueAt is { } due && (ClosedAt is { } closed ? State == ClueState.Resolved && closed > due : nowUtc > due);
}

public sealed record CountRow(string Key, string Label, long Count);

public sealed record DurationStats(int Count, double? MedianHours, double? P90Hours);

public sealed record HotSpot(long SchoolId, string SchoolName, int ItemNo, string ItemLabel, int Count, DateTime FirstAt, DateTime LastAt);

public sealed record DayCount(DateOnly Day, int Open);

/// <summary>What the daily summary gives of a period (rows unordered, labelled); <see cref="ClueStatistics.FromSummary"/> makes the figures.</summary>
public sealed record SummaryFigures(
    IReadOnlyList<CountRow> ByState, IReadOnlyList<CountRow> ByItem, IReadOnlyList<CountRow> ByTown, IReadOnlyList<CountRow> BySchool,
    IReadOnlyList<CountRow> ByLine, IReadOnlyList<CountRow> ExtensionsByLine,
    long Escalated, long Returned, long Overdue, Satisfaction Ratings,
    DurationStats TimeToAccept, DurationStats TimeToResolve, IReadOnlyList<HotSpot> HotSpots, OpenFlows Open);

/// <summary>
/// Open-by-day's inputs: the clues open at the start of <paramref name="BaseDay"/> (no later than the period's first
/// day or today), the reports and closings of each whole day since (by China date), and today's until now.
/// </summary>
public sealed record OpenFlows(DateOnly BaseDay, long OpenAtBase, IReadOnlyDictionary<DateOnly, long> Reported, IReadOnlyDictionary<DateOnly, long> Closed,
    long ReportedToday, long ClosedToday);

public sealed record ClueSummary(
    int Total,
    IReadOnlyList<CountRow> ByState, IReadOnlyList<CountRow> ByItem, IReadOnlyList<CountRow> ByTown, IReadOnlyList<CountRow> BySchool, IReadOnlyList<CountRow> ByLine,
    DurationStats TimeToAccept, DurationStats TimeToResolve,
    double OverdueRate, double EscalationRate, double ReturnRate,
    IReadOnlyList<HotSpot> HotSpots, IReadOnlyList<DayCount> OpenByDay,
    IReadOnlyList<CountRow> ExtensionsByLine, Satisfaction Satisfaction);

/// <summary>回访: the ratings of the period's clues; the rate is (满意 + 基本满意) over those rated, null with none rated (未评价 never counts as satisfied).</summary>
public sealed record Satisfaction(int Satisfied, int Basic, int Unsatisfied, int Unrated, int Redo, double? Rate);

/// <summary>The 会商研判 figures over a set of clues, as pure functions.</summary>
public static class ClueStatistics
{
    public static readonly TimeSpan HotSpotWindow = TimeSpan.FromDays(90);
    public const int HotSpotThreshold = 3;
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>
    /// <paramref name="facts"/> holds the clues reported in the period and those still open (or closed
    /// later) from before it; counts and rates cover the clues reported in the period [from, to] (China dates).
    /// </summary>
    /// <param name="hotSpotFacts">The clues of the <see cref="HotSpotWindow"/> before the period's end (hot spots look back 90 days, whatever the period).</param>
    public static ClueSummary Summarise(IReadOnlyList<ClueFact> facts, DateOnly from, DateOnly to, DateTime nowUtc, IReadOnlyList<ClueFact>? hotSpotFacts = null)
    {
        var start = StartUtc(from);
        var end = StartUtc(to.AddDays(1));
        var period = facts.Where(f => f.CreatedAt >= start && f.CreatedAt < end).ToList();
        var n = period.Count;
        return new ClueSummary(
            n,
            Count(period, f => f.State.ToString(), f => f.State.Zh()),
            Count(period, f => f.ItemNo.ToString(), f => f.ItemLabel),
            Count(period, f => f.TownId.ToString(), f => f.TownName),
            Count(period, f => f.SchoolId.ToString(), f => f.SchoolName),
            Count(period, f => f.LineCode, f => f.LineName),
            Durations(period.Where(f => f.AcceptedAt is not null).Select(f => (f.AcceptedAt!.Value - f.CreatedAt).TotalHours)),
            Durations(period.Where(f => f.State == ClueState.Resolved && f.ResolvedAt is not null).Select(f => (f.ResolvedAt!.Value - f.CreatedAt).TotalHours)),
            Rate(period.Count(f => f.IsOverdue(nowUtc)), n),
            Rate(period.Count(f => f.Escalated), n),
            Rate(period.Count(f => f.Returned), n),
            HotSpots((hotSpotFacts ?? facts).Where(f => f.CreatedAt >= end - HotSpotWindow && f.CreatedAt < end)),
            OpenByDay(facts, from, to, nowUtc),
            period.Where(f => f.Extensions > 0).GroupBy(f => f.LineCode)
                .Select(g => new CountRow(g.Key, g.First().LineName, g.Sum(f => f.Extensions))).OrderByDescending(r => r.Count).ThenBy(r => r.Key, StringComparer.Ordinal).ToList(),
            SatisfactionOf(period));
    }

    public static Satisfaction SatisfactionOf(IReadOnlyCollection<ClueFact> clues)
    {
        int Of(ClueRating r) => clues.Count(f => f.Rating == r);
        var (satisfied, basic, unsatisfied) = (Of(ClueRating.Satisfied), Of(ClueRating.Basic), Of(ClueRating.Unsatisfied));
        var rated = satisfied + basic + unsatisfied;
        return new Satisfaction(satisfied, basic, unsatisfied, Of(ClueRating.Unrated), clues.Count(f => f.Redo),
            rated == 0 ? null : Math.Round((double)(satisfied + basic) / rated, 4));
    }

    public static DateTime StartUtc(DateOnly chinaDay) => DateTime.SpecifyKind(chinaDay.ToDateTime(TimeOnly.MinValue) - ChinaOffset, DateTimeKind.Utc);

    /// <summary>The p-th percentile (0..1) by linear interpolation between closest ranks; null for no values.</summary>
    public static double? Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return Percentile(sorted.Count, i => sorted[(int)i], p);
    }

    /// <summary>The same percentile of <paramref name="count"/> values given by their rank (0-based, ascending).</summary>
    public static double? Percentile(long count, Func<long, double> sortedAt, double p)
    {
        if (count == 0) return null;
        var (lo, hi) = PercentileRanks(count, p);
        return sortedAt(lo) + (sortedAt(hi) - sortedAt(lo)) * (p * (count - 1) - lo);
    }

    /// <summary>The two ranks (0-based) the p-th percentile of <paramref name="count"/> values interpolates between.</summary>
    public static (long Lo, long Hi) PercentileRanks(long count, double p)
    {
        var pos = p * (count - 1);
        return ((long)Math.Floor(pos), (long)Math.Ceiling(pos));
    }

    public static DurationStats Durations(IEnumerable<double> hours)
    {
        var list = hours.ToList();
        return new DurationStats(list.Count, Round(Percentile(list, 0.5)), Round(Percentile(list, 0.9)));
    }

    /// <summary>The same figures from the count and the values at the ranks <see cref="PercentileRanks"/> names (the rest need not be read).</summary>
    public static DurationStats Durations(long count, Func<long, double> sortedAt) =>
        new((int)count, Round(Percentile(count, sortedAt, 0.5)), Round(Percentile(count, sortedAt, 0.9)));

    /// <summary>Same school and item reported at least three times within any 90 days.</summary>
    public static IReadOnlyList<HotSpot> HotSpots(IEnumerable<ClueFact> clues) =>
        clues.GroupBy(c => (c.SchoolId, c.ItemNo))
            .Select(g =>
            {
                var times = g.Select(c => c.CreatedAt).Order().ToList();
                var best = (Count: 0, First: default(DateTime), Last: default(DateTime));
                for (int i = 0, j = 0; j < times.Count; j++)
                {
                    while (times[j] - times[i] > HotSpotWindow) i++;
                    if (j - i + 1 > best.Count) best = (j - i + 1, times[i], times[j]);
                }
                var first = g.First();
                return new HotSpot(first.SchoolId, first.SchoolName, first.ItemNo, first.ItemLabel, best.Count, best.First, best.Last);
            })
            .Where(h => h.Count >= HotSpotThreshold)
            .OrderByDescending(h => h.Count).ThenBy(h => h.SchoolId).ThenBy(h => h.ItemNo)
            .ToList();

    /// <summary>
    /// Clues open at the end of each China day of the period (today: now): reported before it and not closed
    /// before it. Counted from two sorted lists of times (O(n log n), not days × clues): the reports before the
    /// moment, less the closings before it (a closing counts from its clue's report at the earliest).
    /// </summary>
    public static IReadOnlyList<DayCount> OpenByDay(IReadOnlyList<ClueFact> facts, DateOnly from, DateOnly to, DateTime nowUtc)
    {
        var reported = facts.Select(f => f.CreatedAt).Order().ToArray();
        var closed = facts.Where(f => f.ClosedAt is not null).Select(f => f.ClosedAt!.Value > f.CreatedAt ? f.ClosedAt.Value : f.CreatedAt).Order().ToArray();
        var days = new List<DayCount>();
        for (var d = from; d <= to; d = d.AddDays(1))
        {
            var at = StartUtc(d.AddDays(1));
            if (at > nowUtc) at = nowUtc;
            days.Add(new DayCount(d, Before(reported, at) - Before(closed, at)));
        }
        return days;
    }

    /// <summary>How many of the sorted times are before <paramref name="at"/>.</summary>
    private static int Before(DateTime[] sorted, DateTime at)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < at) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// The figures from the daily summary (<see cref="StatisticsStore.SummaryAsync"/>): the same answer as
    /// <see cref="Summarise"/> over every clue, its rows ordered the same way.
    /// </summary>
    public static ClueSummary FromSummary(SummaryFigures s, DateOnly from, DateOnly to, DateTime nowUtc)
    {
        var n = (int)s.ByState.Sum(r => r.Count);
        var (satisfied, basic, unsatisfied) = (s.Ratings.Satisfied, s.Ratings.Basic, s.Ratings.Unsatisfied);
        var rated = satisfied + basic + unsatisfied;
        return new ClueSummary(
            n, Ordered(s.ByState), Ordered(s.ByItem), Ordered(s.ByTown), Ordered(s.BySchool), Ordered(s.ByLine),
            s.TimeToAccept, s.TimeToResolve,
            Rate((int)s.Overdue, n), Rate((int)s.Escalated, n), Rate((int)s.Returned, n),
            s.HotSpots.OrderByDescending(h => h.Count).ThenBy(h => h.SchoolId).ThenBy(h => h.ItemNo).ToList(),
            OpenByDay(s.Open, from, to, nowUtc),
            Ordered(s.ExtensionsByLine),
            s.Ratings with { Rate = rated == 0 ? null : Math.Round((double)(satisfied + basic) / rated, 4) });
    }

    /// <summary>
    /// Clues open at the end of each China day of the period (today: now), from the summary's flows: those open at
    /// <see cref="OpenFlows.BaseDay"/>'s start, plus each whole day's reports less its closings, plus today's so far.
    /// </summary>
    public static IReadOnlyList<DayCount> OpenByDay(OpenFlows f, DateOnly from, DateOnly to, DateTime nowUtc)
    {
        var days = new List<DayCount>();
        var open = f.OpenAtBase;
        var d = f.BaseDay;
        for (; d < from; d = d.AddDays(1)) open += f.Reported.GetValueOrDefault(d) - f.Closed.GetValueOrDefault(d);
        for (; d <= to; d = d.AddDays(1))
        {
            if (StartUtc(d.AddDays(1)) > nowUtc)
            {
                // Today (or a later day): counted at now, so with today's part (the whole days before it are in already).
                var now = open + f.ReportedToday - f.ClosedToday;
                for (; d <= to; d = d.AddDays(1)) days.Add(new DayCount(d, (int)now));
                break;
            }
            open += f.Reported.GetValueOrDefault(d) - f.Closed.GetValueOrDefault(d);
            days.Add(new DayCount(d, (int)open));
        }
        return days;
    }

    private static List<CountRow> Ordered(IEnumerable<CountRow> rows) =>
        rows.OrderByDescending(r => r.Count).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();

    private static IReadOnlyList<CountRow> Count(IEnumerable<ClueFact> facts, Func<ClueFact, string> key, Func<ClueFact, string> label) =>
        facts.GroupBy(key).Select(g => new CountRow(g.Key, label(g.First()), g.Count())).OrderByDescending(r => r.Count).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();

    private static double Rate(int part, int whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 4);

    private static double? Round(double? v) => v is { } x ? Math.Round(x, 2) : null;
}
