using System.ComponentModel.DataAnnotations;

namespace SchoolSafety.Core.Grid;

/// <summary>
/// The four platforms' gateway (section <c>FourPlatforms</c>): where dispatches go, how we authenticate there, how our
/// fields are named in their shape (docs/four-platforms.md), and the secret their pushes to us are signed with. A county's
/// real gateway is a matter of these settings. With no <see cref="BaseUrl"/> nothing is sent: approved dispatches wait in
/// the outbox until it is configured.
/// </summary>
public sealed class GridOptions : IValidatableObject
{
    public const string Section = "FourPlatforms";

    /// <summary>The gateway's base address, e.g. <c>https://grid.example.gov.cn/</c>; the simulator's in local runs.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The dispatch endpoint under <see cref="BaseUrl"/>.</summary>
    public string DispatchPath { get; set; } = "api/dispatches";

    /// <summary>The credential we present to the gateway, sent as <c>{AuthHeader}: {AuthScheme} {ApiKey}</c>.</summary>
    public string? ApiKey { get; set; }

    public string AuthHeader { get; set; } = "Authorization";

    /// <summary>Prefix of the credential (<c>Bearer</c>); empty sends the key alone.</summary>
    public string AuthScheme { get; set; } = "Bearer";

    /// <summary>
    /// The shared secret of the signatures (HMAC-SHA256 over timestamp and body) on their pushes to us, and on our dispatches
    /// to them. 32+ characters; without it pushes are refused (503).
    /// </summary>
    public string? PushSecret { get; set; }

    /// <summary>How far a push's timestamp may be from our clock (either way); older pushes are refused.</summary>
    public TimeSpan TimestampWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Where the platforms push progress and results: our Callbacks host's <c>/four-platforms/pushes</c>.</summary>
    public string? CallbackUrl { get; set; }

    /// <summary>The mini-app host's public address, under which the dispatch's signed photo links point.</summary>
    public string? PhotoBaseUrl { get; set; }

    /// <summary>How long the photo links of a dispatch stay valid (the command room may open them days later).</summary>
    public TimeSpan PhotoLinkLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The working days we ask the platforms to handle a dispatch in (sent as <c>dueAt</c>); our own deadline does not run
    /// while they hold it (they keep their own).
    /// </summary>
    [Range(1, 60)]
    public int HandleDays { get; set; } = 10;

    /// <summary>One attempt's time limit; a timeout is retried like an outage.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Our field name → the gateway's (e.g. <c>clueNumber</c> → <c>bizNo</c>); an empty name leaves the field out; a field
    /// not listed keeps our name. Dots nest (<c>school</c> → <c>location.schoolName</c>).
    /// </summary>
    public Dictionary<string, string> FieldMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Constant fields the gateway wants on every dispatch (e.g. <c>sourceSystem</c> = <c>xiaoan</c>).</summary>
    public Dictionary<string, string> ExtraFields { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Where the gateway's answer carries its event id, and the reason of a refusal (dots nest).</summary>
    public string EventIdField { get; set; } = "eventId";

    public string ReasonField { get; set; } = "message";

    /// <summary>Serve the simulator of the four platforms at <c>/dev/four-platforms</c> (Development only, whatever this says).</summary>
    public bool Simulator { get; set; } = true;

    public bool Configured => !string.IsNullOrWhiteSpace(BaseUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        if (Configured && !Uri.TryCreate(BaseUrl, UriKind.Absolute, out _))
            yield return new ValidationResult("FourPlatforms:BaseUrl must be an absolute URL.", [nameof(BaseUrl)]);
        if (Configured && string.IsNullOrWhiteSpace(CallbackUrl))
            yield return new ValidationResult("FourPlatforms:CallbackUrl is required when a gateway is configured.", [nameof(CallbackUrl)]);
        if (CallbackUrl is { Length: > 0 } cb && !Uri.TryCreate(cb, UriKind.Absolute, out _))
            yield return new ValidationResult("FourPlatforms:CallbackUrl must be an absolute URL.", [nameof(CallbackUrl)]);
        if (PhotoBaseUrl is { Length: > 0 } pb && !Uri.TryCreate(pb, UriKind.Absolute, out _))
            yield return new ValidationResult("FourPlatforms:PhotoBaseUrl must be an absolute URL.", [nameof(PhotoBaseUrl)]);
        if (PushSecret is { } s && s.Length < 32)
            yield return new ValidationResult("FourPlatforms:PushSecret must be 32 characters or more.", [nameof(PushSecret)]);
        if (TimestampWindow <= TimeSpan.Zero || TimestampWindow > TimeSpan.FromHours(1))
            yield return new ValidationResult("FourPlatforms:TimestampWindow must be between 0 and 1 hour.", [nameof(TimestampWindow)]);
        if (PhotoLinkLifetime <= TimeSpan.Zero)
            yield return new ValidationResult("FourPlatforms:PhotoLinkLifetime must be positive.", [nameof(PhotoLinkLifetime)]);
        foreach (var (ours, theirs) in FieldMap)
            if (!GridDocument.Fields.Contains(ours))
                yield return new ValidationResult($"FourPlatforms:FieldMap:{ours} is not one of our fields ({string.Join(", ", GridDocument.Fields)}).", [nameof(FieldMap)]);
            else if (theirs.Split('.').Any(p => p.Length == 0) && theirs.Length > 0)
                yield return new ValidationResult($"FourPlatforms:FieldMap:{ours} has an empty path segment.", [nameof(FieldMap)]);
    }
}
