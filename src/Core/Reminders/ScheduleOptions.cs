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

    /// <summary>Chats whose digests are recorded and queued in one transaction; a run that dies loses at most its open batch, which the next run (or the Bot that recovers the job) queues.</summary>
    [Range(1, 5000)]
    public int DigestBatchSize { get; set; } = 200;

    /// <summary>A Quartz cron for the digests instead of <see cref="DigestTime"/> (tests and demos; a digest still goes once a day).</summary>
    public string? DigestCronOverride { get; set; }

    /// <summary>The Quartz cron of the daily digests: <see cref="DigestCronOverride"/>, or built from <see cref="DigestTime"/>.</summary>
    public string DigestCron => DigestCronOverride is { Length: > 0 } cron ? cron : $"0 {DigestTime.Minute} {DigestTime.Hour} * * ?";

    public const string TimeZoneId = "Asia/Shanghai";
}
