using System.ComponentModel.DataAnnotations;

namespace SchoolSafety.Core.Reminders;

/// <summary>
/// When the Bot's jobs run and when nothing may go out (section <c>Schedule</c>). Times are China time (Asia/Shanghai,
/// UTC+8 all year); working days come from the holiday table.
/// </summary>
public sealed class ScheduleOptions
{
    public const string Section = "Schedule";

    /// <summary>How often the reminder evaluator runs (Quartz cron, China time). Outside working hours a run does nothing.</summary>
    [Required]
    public string ReminderCron { get; set; } = "0 0/15 * * * ?";

    /// <summary>The daily digests' time of day (China time); they go on working days only.</summary>
    public TimeOnly DigestTime { get; set; } = new(8, 30);

    /// <summary>Quiet hours: from this time of day…</summary>
    public TimeOnly QuietFrom { get; set; } = new(21, 0);

    /// <summary>…until this one the next morning. Reminders that fell due meanwhile go out at the first run after it on a working day.</summary>
    public TimeOnly QuietUntil { get; set; } = new(7, 30);

    /// <summary>Digest policy: a chat with nothing new, open or overdue gets no daily digest, only a short note on the week's first working day.</summary>
    public bool SkipEmptyDigests { get; set; } = true;

    /// <summary>The Quartz cron of the daily digests, built from <see cref="DigestTime"/>.</summary>
    public string DigestCron => $"0 {DigestTime.Minute} {DigestTime.Hour} * * ?";

    public const string TimeZoneId = "Asia/Shanghai";
}
