using System.ComponentModel.DataAnnotations;

namespace SchoolSafety.Core.Notifications;

/// <summary>The outbox dispatcher's settings (section <c>Outbox</c>). Tests shrink the times.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Rows claimed per round.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>Rows of one round sent at the same time (the per-API rate limit still applies).</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 8;

    /// <summary>How long a claim lasts; a dispatcher that dies mid-round releases its rows after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// After this many failed attempts, and once the row is <see cref="DeadAfter"/> old, the row is dead (kept with its
    /// last error for an admin); until then it keeps retrying, so a DingTalk outage of a day loses nothing.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>How long a row keeps retrying before it may be buried (default 72 hours).</summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromHours(72);

    /// <summary>
    /// True when a row written at <paramref name="createdAt"/> is buried if this attempt fails: both its attempts and its age
    /// are used up. The one rule for the dispatcher and for a renderer that acts on giving up (the four platforms' dispatch).
    /// </summary>
    public bool IsLastAttempt(int attempt, DateTime createdAt, DateTime now) => attempt >= MaxAttempts && now - createdAt >= DeadAfter;

    /// <summary>First retry delay; doubles per attempt up to <see cref="MaxBackoff"/>, with jitter (between half and all of it).</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long one scheduled run keeps draining before it yields to the next trigger.</summary>
    public TimeSpan MaxRunDuration { get; set; } = TimeSpan.FromSeconds(50);

    /// <summary>How often the Bot host starts a run.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
