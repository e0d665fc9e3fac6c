namespace SchoolSafety.Bot;

/// <summary>The Bot host's scheduler settings (section <c>Bot</c>). The job times themselves are <c>Schedule:*</c> (Core).</summary>
public sealed class BotOptions
{
    public const string Section = "Bot";

    /// <summary>Start the scheduler with the host. Default: on, except in the Testing environment (tests call Core services directly).</summary>
    public bool? RunScheduler { get; set; }

    /// <summary>
    /// How often each Bot records in QRTZ_SCHEDULER_STATE that it is alive; another Bot takes over the jobs of one that
    /// has missed its check-in by <see cref="CheckinMisfireThreshold"/>. Shorter means faster fail-over, more queries.
    /// </summary>
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan CheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A name for this instance in QRTZ_SCHEDULER_STATE; default: generated (host name + ticks), unique per process.</summary>
    public string? InstanceId { get; set; }
}
