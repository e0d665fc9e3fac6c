using System.ComponentModel.DataAnnotations;

namespace SchoolSafety.Core.Retention;

/// <summary>
/// Section <c>Retention</c>: how long what is no longer needed is kept. The audit log is kept at least 6 months (the
/// Cybersecurity Law, 网络安全法 §21: network logs no less than six months), 3 years by default.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>An uploaded photo never attached to a clue, record or finding (an abandoned form, a report that crashed).</summary>
    public TimeSpan OrphanPhotosAfter { get; set; } = TimeSpan.FromHours(24);

    [Range(1, 3650)] public int SentOutboxDays { get; set; } = 30;
    [Range(1, 3650)] public int ProcessedInboxDays { get; set; } = 30;
    /// <summary>An action's key answers a repeat with the first outcome; after this long the key is forgotten.</summary>
    [Range(7, 3650)] public int IdempotencyKeyDays { get; set; } = 90;
    /// <summary>Ended or expired logins.</summary>
    [Range(1, 3650)] public int LoginSessionDays { get; set; } = 30;
    [Range(183, 36500, ErrorMessage = "Retention:AuditLogDays must be at least 183 (six months, the Cybersecurity Law).")]
    public int AuditLogDays { get; set; } = 3 * 365;

    /// <summary>Rows deleted per statement (short transactions; the purge loops until nothing is left).</summary>
    [Range(100, 100_000)] public int BatchSize { get; set; } = 5000;
}
