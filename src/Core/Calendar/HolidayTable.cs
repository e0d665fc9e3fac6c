namespace SchoolSafety.Core.Calendar;

/// <summary>
/// Working days on the Chinese calendar: weekdays, minus official holidays, plus the adjusted
/// working weekends (调休). Pure; built from the holiday table. Times are China Standard Time (UTC+8,
/// no daylight saving), the time the district works by.
/// </summary>
public sealed class HolidayTable(IReadOnlyDictionary<DateOnly, bool> overrides, IReadOnlySet<int> years)
{
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public static HolidayTable Empty { get; } = new(new Dictionary<DateOnly, bool>(), new HashSet<int>());

    /// <summary>Years the table knows; other years count plain weekdays.</summary>
    public IReadOnlySet<int> Years => years;

    public bool IsWorkingDay(DateOnly day) =>
        overrides.TryGetValue(day, out var working) ? working : day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>
    /// The same China time of day on the <paramref name="days"/>-th working day after the start's
    /// date (so a clue reported on Friday 16:00 with one working day is due on Monday 16:00, and one
    /// reported on a holiday counts from the next working day).
    /// </summary>
    public DateTime AddWorkingDays(DateTime startUtc, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        var local = DateTime.SpecifyKind(startUtc, DateTimeKind.Unspecified) + ChinaOffset;
        var date = DateOnly.FromDateTime(local);
        for (var counted = 0; counted < days;)
        {
            date = date.AddDays(1);
            if (IsWorkingDay(date)) counted++;
        }
        var dueLocal = date.ToDateTime(TimeOnly.FromTimeSpan(local.TimeOfDay));
        return DateTime.SpecifyKind(dueLocal - ChinaOffset, DateTimeKind.Utc);
    }

    /// <summary>Working days from <paramref name="fromUtc"/>'s China date (exclusive) to <paramref name="toUtc"/>'s (inclusive).</summary>
    public int WorkingDaysBetween(DateTime fromUtc, DateTime toUtc)
    {
        var from = DateOnly.FromDateTime(fromUtc + ChinaOffset);
        var to = DateOnly.FromDateTime(toUtc + ChinaOffset);
        var n = 0;
        for (var d = from.AddDays(1); d <= to; d = d.AddDays(1))
            if (IsWorkingDay(d)) n++;
        return n;
    }

    /// <summary>Years between the two instants (China dates) that the table does not cover.</summary>
    public IEnumerable<int> MissingYears(DateTime fromUtc, DateTime toUtc)
    {
        for (var y = (fromUtc + ChinaOffset).Year; y <= (toUtc + ChinaOffset).Year; y++)
            if (!years.Contains(y)) yield return y;
    }
}

/// <summary>Times people type are China time unless they say otherwise.</summary>
public static class ChinaTime
{
    /// <summary>
    /// UTC for a time from a request: one with an offset or a Z is converted as given; one without is China
    /// time (UTC+8) — never the server's own zone.
    /// </summary>
    public static DateTime ToUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t - HolidayTable.ChinaOffset, DateTimeKind.Utc),
    };

    public static DateTime? ToUtc(DateTime? t) => t is { } v ? ToUtc(v) : null;

    /// <summary>A UTC time as people read it: China time, "2026-12-01 10:00"; empty for none.</summary>
    public static string Format(DateTime? utc) =>
        utc is { } t ? (t + HolidayTable.ChinaOffset).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "";
}

