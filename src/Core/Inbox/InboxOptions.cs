using System.ComponentModel.DataAnnotations;

namespace SchoolSafety.Core.Inbox;

/// <summary>The event inbox worker (section <c>Inbox</c>).</summary>
public sealed class InboxOptions
{
    public const string Section = "Inbox";

    /// <summary>Whether the Callbacks host runs the worker (tests call <see cref="InboxProcessor"/> themselves).</summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>How often the worker looks for due events when no new one woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1, 500)]
    public int BatchSize { get; set; } = 20;

    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(30);
}
