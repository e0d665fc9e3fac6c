using Microsoft.Extensions.Logging;

namespace SchoolSafety.Core.Calendar;

/// <summary>
/// The holiday table as the services use it: loaded from the database, kept for a few minutes (so a
/// newly imported year takes effect without a restart), and loud in the logs about years it lacks.
/// </summary>
public sealed partial class WorkingCalendar(HolidayStore store, TimeProvider clock, ILogger<WorkingCalendar> logger)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly HashSet<int> warned = [];
    private HolidayTable? table;
    private DateTimeOffset loadedAt;

    public async Task<HolidayTable> GetAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (table is { } t && now - loadedAt < MaxAge) return t;
        await gate.WaitAsync(ct);
        try
        {
            if (table is null || now - loadedAt >= MaxAge)
            {
                table = await store.LoadAsync(ct);
                loadedAt = now;
            }
            return table;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets the cached table (after an import).</summary>
    public void Invalidate() => table = null;

    /// <summary><see cref="HolidayTable.AddWorkingDays"/>, warning once per year the table lacks.</summary>
    public async Task<DateTime> AddWorkingDaysAsync(DateTime startUtc, int days, CancellationToken ct)
    {
        var t = await GetAsync(ct);
        var due = t.AddWorkingDays(startUtc, days);
        foreach (var year in t.MissingYears(startUtc, due))
        {
            lock (warned)
                if (!warned.Add(year)) continue;
            Log.MissingYear(logger, year);
        }
        return due;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "No holiday table for {Year}: counting plain weekdays (Mon–Fri) as working days until an admin imports it")]
        public static partial void MissingYear(ILogger logger, int year);
    }
}
