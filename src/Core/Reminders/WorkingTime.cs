using SchoolSafety.Core.Calendar;

namespace SchoolSafety.Core.Reminders;

/// <summary>When messages may go out and how working time is counted backwards from a deadline. Pure, China time.</summary>
public static class WorkingTime
{
    public static DateTime China(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Unspecified) + HolidayTable.ChinaOffset;

    public static DateOnly ChinaDate(DateTime utc) => DateOnly.FromDateTime(China(utc));

    /// <summary>True on a working day between the end of the quiet hours (07:30) and their start (21:00).</summary>
    public static bool IsOpen(HolidayTable t, DateTime utc, ScheduleOptions o)
    {
        var local = China(utc);
        var time = TimeOnly.FromDateTime(local);
        return t.IsWorkingDay(DateOnly.FromDateTime(local)) && time >= o.QuietUntil && time < o.QuietFrom;
    }

    /// <summary>
    /// <paramref name="span"/> of working time before <paramref name="dueUtc"/>: the clock runs back, and a non-working day
    /// met on the way is skipped whole (4 working hours before Monday 10:00 is Friday 18:00 when the weekend is off).
    /// </summary>
    public static DateTime WorkingHoursBefore(HolidayTable t, DateTime dueUtc, TimeSpan span)
    {
        var at = dueUtc - span;
        var dueDate = ChinaDate(dueUtc);
        for (var guard = 0; guard < 60 && ChinaDate(at) < dueDate && !t.IsWorkingDay(ChinaDate(at)); guard++)
            at -= TimeSpan.FromDays(1);
        return at;
    }

    /// <summary>The same China time of day <paramref name="days"/> working days before <paramref name="utc"/>.</summary>
    public static DateTime WorkingDaysBefore(HolidayTable t, DateTime utc, int days)
    {
        var date = ChinaDate(utc);
        for (var counted = 0; counted < days;)
        {
            date = date.AddDays(-1);
            if (t.IsWorkingDay(date)) counted++;
        }
        return utc - TimeSpan.FromDays(ChinaDate(utc).DayNumber - date.DayNumber);
    }

    /// <summary>The first working day of the ISO week holding <paramref name="day"/> (Monday, or later after a holiday).</summary>
    public static DateOnly FirstWorkingDayOfWeek(HolidayTable t, DateOnly day)
    {
        var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
        for (var d = monday; d < monday.AddDays(7); d = d.AddDays(1))
            if (t.IsWorkingDay(d)) return d;
        return monday;
    }

    /// <summary>The last working day before <paramref name="day"/>.</summary>
    public static DateOnly PreviousWorkingDay(HolidayTable t, DateOnly day)
    {
        var d = day.AddDays(-1);
        for (var guard = 0; guard < 60 && !t.IsWorkingDay(d); guard++) d = d.AddDays(-1);
        return d;
    }

    public static DateTime Utc(DateOnly chinaDate, TimeOnly chinaTime) =>
        DateTime.SpecifyKind(chinaDate.ToDateTime(chinaTime) - HolidayTable.ChinaOffset, DateTimeKind.Utc);
}
