using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SchoolSafety.Core.Grid;

/// <summary>
/// Signed links to a dispatched clue's photos for the command rooms, valid for <see cref="GridOptions.PhotoLinkLifetime"/>
/// (days, not the mini-app's minutes): <c>{PhotoBaseUrl}/api/grid-photos/{key}?exp={unix}&amp;sig={hmac}</c>, served by the
/// mini-app host. The HMAC key is derived from <see cref="GridOptions.PushSecret"/> for this one purpose.
/// </summary>
public sealed class GridPhotoLinks(IOptions<GridOptions> options, TimeProvider clock)
{
    public const string Path = "/api/grid-photos/";

    public enum Check { Valid, Expired, Invalid }

    public string Create(string key)
    {
        var o = options.Value;
        var exp = (clock.GetUtcNow() + o.PhotoLinkLifetime).ToUnixTimeSeconds();
        return $"{(o.PhotoBaseUrl ?? "").TrimEnd('/')}{Path}{Uri.EscapeDataString(key)}?exp={exp}&sig={Sign(key, exp)}";
    }

    public Check Verify(string key, string? exp, string? sig)
    {
        if (string.IsNullOrEmpty(options.Value.PushSecret)) return Check.Invalid;
        if (!long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry) || sig is null) return Check.Invalid;
        var expected = Encoding.ASCII.GetBytes(Sign(key, expiry));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(sig))) return Check.Invalid;
        return clock.GetUtcNow().ToUnixTimeSeconds() > expiry ? Check.Expired : Check.Valid;
    }

    private string Sign(string key, long exp)
    {
        var secret = HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.PushSecret ?? ""), "grid-photo-links"u8);
        return Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{key}|{exp}")));
    }
}
