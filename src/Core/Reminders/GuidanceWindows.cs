namespace SchoolSafety.Core.Reminders;

/// <summary>
/// The guidance windows of a year (domain.md §5): two weeks from each semester start (late February, 1 September) and the
/// last two weeks before the winter and summer holidays. The admin replaces a year's windows; a year without rows uses these.
/// </summary>
public static class GuidanceWindows
{
    public static IReadOnlyList<GuidanceWindowRow> Defaults(int year) =>
    [
        Window(year, 1, "寒假前", new DateOnly(year, 1, 5), new DateOnly(year, 1, 18)),
        Window(year, 2, "春季开学", new DateOnly(year, 2, 23), new DateOnly(year, 3, 8)),
        Window(year, 3, "暑假前", new DateOnly(year, 6, 16), new DateOnly(year, 6, 29)),
        Window(year, 4, "秋季开学", new DateOnly(year, 9, 1), new DateOnly(year, 9, 14)),
    ];

    public static GuidanceWindowRow Window(int year, int seq, string name, DateOnly from, DateOnly to) => new()
    {
        Year = year, Seq = seq, Name = name, StartsOn = from.ToDateTime(TimeOnly.MinValue), EndsOn = to.ToDateTime(TimeOnly.MinValue),
    };

    /// <summary>The windows open on <paramref name="today"/>.</summary>
    public static IReadOnlyList<(DateOnly From, DateOnly To)> Open(IEnumerable<GuidanceWindowRow> windows, DateOnly today) =>
        windows.Select(w => (DateOnly.FromDateTime(w.StartsOn), DateOnly.FromDateTime(w.EndsOn)))
            .Where(w => w.Item1 <= today && today <= w.Item2)
            .ToList();
}
