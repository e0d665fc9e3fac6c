using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SchoolSafety.Core.Grid;

public enum PushCheck { Valid, MissingHeaders, BadTimestamp, StaleTimestamp, BadSignature }

/// <summary>
/// The signature both directions carry (docs/four-platforms.md, "Signature"): <c>X-Grid-Timestamp</c> is Unix seconds,
/// <c>X-Grid-Signature</c> is lower-case hex of HMAC-SHA256(secret, timestamp + "\n" + body). Pure.
/// </summary>
public static class GridSignature
{
    public const string TimestampHeader = "X-Grid-Timestamp";
    public const string SignatureHeader = "X-Grid-Signature";

    public static string Compute(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp + "\n");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    public static string Timestamp(DateTimeOffset now) => now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public static PushCheck Verify(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan window)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature)) return PushCheck.MissingHeaders;
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return PushCheck.BadTimestamp;
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > window.TotalSeconds) return PushCheck.StaleTimestamp;
        var expected = Encoding.ASCII.GetBytes(Compute(secret, timestamp, body));
        var given = Encoding.ASCII.GetBytes(signature.Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given) ? PushCheck.Valid : PushCheck.BadSignature;
    }
}
