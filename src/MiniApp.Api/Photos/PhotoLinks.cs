using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Photos;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Photos;

/// <summary>
/// Short-lived signed links to photos (the mini-app's image tags cannot send our session header):
/// <c>/api/photos/{key}?v=thumb&amp;exp={unix}&amp;sig={hmac}</c>. The HMAC key is derived from the
/// session signing key for this one purpose.
/// </summary>
public sealed class PhotoLinks(IOptions<LoginSessionOptions> session, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private byte[] Key => HMACSHA256.HashData(Encoding.UTF8.GetBytes(session.Value.SigningKey), "photo-links"u8);

    public string Create(string key, PhotoVariant variant)
    {
        var exp = (clock.GetUtcNow() + Lifetime).ToUnixTimeSeconds();
        var v = variant == PhotoVariant.Thumbnail ? "thumb" : "full";
        return $"/api/photos/{key}?v={v}&exp={exp}&sig={Sign(key, v, exp)}";
    }

    public enum Check { Valid, Expired, Invalid }

    public Check Verify(string key, string? v, string? exp, string? sig)
    {
        if (v is not ("thumb" or "full") || !long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry) || sig is null)
            return Check.Invalid;
        var expected = Encoding.ASCII.GetBytes(Sign(key, v, expiry));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(sig))) return Check.Invalid;
        return clock.GetUtcNow().ToUnixTimeSeconds() > expiry ? Check.Expired : Check.Valid;
    }

    private string Sign(string key, string v, long exp) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes($"{key}|{v}|{exp}")));
}
