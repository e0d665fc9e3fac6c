using MySqlConnector;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.WorkList;

namespace SchoolSafety.Core.Statistics;

public sealed record GuidanceCoverage(long ActiveSchools, IReadOnlyList<CoverageRow> ByLine);

/// <summary>An export's rows: <see cref="Rows"/> reads them (on a connection of its own) as they are written out.</summary>
public sealed record ClueExport(long Count, Func<CancellationToken, IAsyncEnumerable<ClueFact>> Rows);

public sealed record StatisticsReport(DateOnly From, DateOnly To, string ScopeZh, ClueSummary Clues, GuidanceCoverage Guidance);

public enum ExportFormat
{
    Csv,
    Xlsx,
}

/// <summary>
/// Statistics for 会商研判: the admin sees everything, a district department's staff their line,
/// co-leaders their school. Every export is logged (domain.md §8).
/// </summary>
public sealed class StatisticsService(MySqlDataSource db, StatisticsStore store, GuidanceStore guidance, OrganisationStore org, AuditStore audit, TimeProvider clock)
{
    public const int MaxDays = 366;
    public const int DefaultDays = 30;
    private static readonly DateOnly Earliest = new(2000, 1, 1);
    private static readonly DateOnly Latest = new(2999, 12, 31);

    /// <summary>
    /// Reports computed at once (issue 11): a province's year reads ~200,000 summary rows and as many index entries
    /// (streamed, a few MB held), so more at a time only share the same two cores; the rest wait their turn.
    /// </summary>
    public const int ConcurrentReports = 2;

    private readonly SemaphoreSlim reports = new(ConcurrentReports, ConcurrentReports);

    public async Task<Outcome<StatisticsReport>> ReportAsync(long actorId, DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        if (Period(from, to) is not ({ } f, { } t)) return BadPeriod;
        await using var conn = await db.OpenConnectionAsync(ct);
        if (StatisticsScope.For(await org.ActorAsync(conn, actorId, ct)) is not { } scope) return NotAllowed;
        ClueSummary summary;
        await reports.WaitAsync(ct);
        try
        {
            summary = await store.SummaryAsync(conn, f, t, clock.GetUtcNow().UtcDateTime, scope, ct);
        }
        finally
        {
            reports.Release();
        }
        var coverage = await CoverageAsync(conn, f, t, scope, ct);
        return new StatisticsReport(f, t, ScopeZh(scope), summary, coverage);
    }

    public async Task<Outcome<GuidanceCoverage>> GuidanceCoverageAsync(long actorId, DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        if (Period(from, to) is not ({ } f, { } t)) return BadPeriod;
        await using var conn = await db.OpenConnectionAsync(ct);
        if (StatisticsScope.For(await org.ActorAsync(conn, actorId, ct)) is not { } scope) return NotAllowed;
        return await CoverageAsync(conn, f, t, scope, ct);
    }

    /// <summary>
    /// The clues reported in the period, for an export file, read as the file is written (so its first bytes go out
    /// at once); the export is logged, with its size, before any row is returned.
    /// </summary>
    public async Task<Outcome<ClueExport>> ExportAsync(long actorId, DateOnly? from, DateOnly? to, ExportFormat format, CancellationToken ct)
    {
        if (Period(from, to) is not ({ } f, { } t)) return BadPeriod;
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (StatisticsScope.For(actor)?.ForListing(actor) is not { } scope) return NotAllowed;
        var start = ClueStatistics.StartUtc(f);
        var end = ClueStatistics.StartUtc(t.AddDays(1));
        var count = await store.CountReportedAsync(conn, start, end, scope, ct);
        var scopeText = scope.Lines is { } l ? $"lines={string.Join(',', l)}" : scope.Schools is { } s ? $"schools={string.Join(',', s)}" : "all";
        await audit.RecordAsync(conn, null, [new AuditEntry(actorId, AuditAction.Export, "export", $"clues-{f:yyyyMMdd}-{t:yyyyMMdd}",
            $"clues {format.ToString().ToLowerInvariant()} {f:yyyy-MM-dd}..{t:yyyy-MM-dd} {scopeText} rows={count}")], ct);
        return new ClueExport(count, innerCt => store.ReportedAsync(db, start, end, scope, innerCt));
    }

    /// <summary>The period in China dates: both given (from ≤ to, at most a year), or the last 30 days to today.</summary>
    public (DateOnly, DateOnly)? Period(DateOnly? from, DateOnly? to)
    {
        var today = WorkListDeadlines.ChinaToday(clock);
        var t = to ?? today;
        if (t < Earliest || t > Latest) return null;   // 0001-01-01 or 9999-12-31 would overflow the UTC arithmetic
        var f = from ?? t.AddDays(1 - DefaultDays);
        return f < Earliest || f > t || t.DayNumber - f.DayNumber + 1 > MaxDays ? null : (f, t);
    }

    private async Task<GuidanceCoverage> CoverageAsync(MySqlConnection conn, DateOnly from, DateOnly to, StatisticsScope scope, CancellationToken ct) =>
        new(scope.Schools?.Count ?? await guidance.ActiveSchoolCountAsync(conn, ct), await guidance.CoverageAsync(conn, from, to, scope.Lines, scope.Schools, ct));

    private static string ScopeZh(StatisticsScope s) => s.Lines is not null ? "本条线" : s.Schools is not null ? "本校" : "全区";

    private static readonly Failure BadPeriod = Failure.Invalid("statistics.period_invalid", $"统计期间不正确：开始日期不能晚于结束日期，且不超过 {MaxDays} 天");
    private static readonly Failure NotAllowed = Failure.Forbidden("无权查看统计");
}
