using System.Globalization;

namespace SchoolSafety.Core.WorkList;

/// <summary>A work-list task's deadline: a date (<c>yyyy-MM-dd</c>) or 全年常态 (ongoing, never overdue).</summary>
public static class WorkListDeadlines
{
    public const string Ongoing = "全年常态";

    public static DateOnly? Parse(string due) =>
        DateOnly.TryParseExact(due, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    /// <summary>Overdue: the deadline's day has passed (China date) and the department has not marked the task done.</summary>
    public static bool IsOverdue(string due, bool done, DateOnly today) => !done && Parse(due) is { } d && d < today;

    /// <summary>Today's date in China (UTC+8).</summary>
    public static DateOnly ChinaToday(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime + TimeSpan.FromHours(8));
}
