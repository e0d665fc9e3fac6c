using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace SchoolSafety.Core.DingTalk;

/// <summary>Why a callback was accepted or refused. Expected outcomes, so values rather than exceptions.</summary>
public enum CallbackCheck
{
    Valid,
    MissingField,
    MalformedTimestamp,
    StaleTimestamp,
    FutureTimestamp,
    BadSignature,
    InvalidAesKey,
    MalformedCiphertext,
    BadPadding,
    LengthMismatch,
    WrongOwner,
    /// <summary>A signed header pair accepted before, now on another body (see <see cref="CallbackVerifier"/>).</summary>
    Replayed,
}

/// <summary>The outcome of opening an encrypted event push: <see cref="Message"/> is set only when <see cref="Check"/> is Valid.</summary>
public sealed record OpenedCallback(CallbackCheck Check, string? Message = null, string? Random = null)
{
    public bool IsValid => Check == CallbackCheck.Valid;
}

/// <summary>The JSON body answering an event push: DingTalk's field names, case-sensitive (facts §1.5).</summary>
public sealed record EncryptedReply(
    [property: JsonPropertyName("msg_signature")] string MsgSignature,
    [property: JsonPropertyName("timeStamp")] string TimeStamp,
    [property: JsonPropertyName("nonce")] string Nonce,
    [property: JsonPropertyName("encrypt")] string Encrypt);

/// <summary>The secrets of the HTTP event subscription (console → 事件订阅 → HTTP 推送).</summary>
/// <param name="Token">The signature token.</param>
/// <param name="AesKey">The 43-character EncodingAESKey.</param>
/// <param name="OwnerKey">The app's AppKey (or suiteKey / corpId, see facts §1.1).</param>
public sealed record CallbackSecrets(string Token, string AesKey, string OwnerKey);

/// <summary>
/// DingTalk callback verification and encryption as pure functions: the event-push signature and
/// AES-256-CBC with 32-byte padding (facts §1.3–1.5), the card-callback HMAC (§4.4) and the robot
/// callback sign (§5.5). Every check compares in constant time and refuses timestamps outside the window.
/// </summary>
public static class DingTalkCallbackCrypto
{
    /// <summary>DingTalk pads to 32-byte blocks, not AES's 16 (facts §1.4).</summary>
    private const int PadBlock = 32;
    private const string RandomAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Five minutes either way: the tolerance Stripe and Slack use for their timestamped signatures.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    /// <summary>lowercase hex SHA-1 over the ordinal-sorted, concatenated four strings.</summary>
    public static string ComputeSignature(string token, string timestamp, string nonce, string encrypt)
    {
        string[] parts = [token, timestamp, nonce, encrypt];
        Array.Sort(parts, StringComparer.Ordinal);
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts)));
        return Convert.ToHexStringLower(hash);
    }

    public static bool VerifySignature(string token, string timestamp, string nonce, string encrypt, string signature)
    {
        var expected = Encoding.ASCII.GetBytes(ComputeSignature(token, timestamp, nonce, encrypt));
        var actual = Encoding.UTF8.GetBytes(signature.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>
    /// Checks a DingTalk timestamp (seconds or milliseconds since the epoch; anything above 10^11 is
    /// read as milliseconds) against <paramref name="now"/>, allowing <paramref name="window"/> either way.
    /// </summary>
    public static CallbackCheck CheckTimestamp(string? timestamp, DateTimeOffset now, TimeSpan window)
    {
        if (string.IsNullOrEmpty(timestamp)) return CallbackCheck.MissingField;
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            return CallbackCheck.MalformedTimestamp;
        var ms = value > 100_000_000_000 ? value : value * 1000;
        var diff = ms - now.ToUnixTimeMilliseconds();
        if (diff > window.TotalMilliseconds) return CallbackCheck.FutureTimestamp;
        if (-diff > window.TotalMilliseconds) return CallbackCheck.StaleTimestamp;
        return CallbackCheck.Valid;
    }

    /// <summary>
    /// Opens an event push: all fields present → timestamp within the window → signature → decrypt →
    /// owner key. Pass <c>msg_signature</c> or, failing that, <c>signature</c>; likewise <c>timeStamp</c>/<c>timestamp</c>.
    /// </summary>
    public static OpenedCallback Open(
        CallbackSecrets secrets, string? signature, string? timestamp, string? nonce, string? encrypt,
        DateTimeOffset now, TimeSpan window)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(nonce) || string.IsNullOrEmpty(encrypt))
            return new OpenedCallback(CallbackCheck.MissingField);
        var time = CheckTimestamp(timestamp, now, window);
        if (time != CallbackCheck.Valid) return new OpenedCallback(time);
        if (!VerifySignature(secrets.Token, timestamp!, nonce, encrypt, signature))
            return new OpenedCallback(CallbackCheck.BadSignature);
        return Decrypt(secrets.AesKey, encrypt, secrets.OwnerKey);
    }

    /// <summary>Decrypts <paramref name="encrypt"/> and checks that the trailing owner key is <paramref name="ownerKey"/>.</summary>
    public static OpenedCallback Decrypt(string aesKey, string encrypt, string ownerKey)
    {
        if (!TryKey(aesKey, out var key)) return new OpenedCallback(CallbackCheck.InvalidAesKey);
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encrypt);
        }
        catch (FormatException)
        {
            return new OpenedCallback(CallbackCheck.MalformedCiphertext);
        }
        if (cipher.Length == 0 || cipher.Length % PadBlock != 0) return new OpenedCallback(CallbackCheck.MalformedCiphertext);

        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(cipher, key.AsSpan(0, 16), PaddingMode.None);

        var pad = plain[^1];
        if (pad is < 1 or > PadBlock || pad > plain.Length) return new OpenedCallback(CallbackCheck.BadPadding);
        var body = plain.AsSpan(0, plain.Length - pad);
        if (body.Length < 20) return new OpenedCallback(CallbackCheck.LengthMismatch);
        var length = BinaryPrimitives.ReadUInt32BigEndian(body.Slice(16, 4));
        if (length > body.Length - 20) return new OpenedCallback(CallbackCheck.LengthMismatch);

        var owner = body[(20 + (int)length)..];
        if (!CryptographicOperations.FixedTimeEquals(owner, Encoding.UTF8.GetBytes(ownerKey)))
            return new OpenedCallback(CallbackCheck.WrongOwner);

        var message = Encoding.UTF8.GetString(body.Slice(20, (int)length));
        var random = Encoding.UTF8.GetString(body[..16]);
        return new OpenedCallback(CallbackCheck.Valid, message, random);
    }

    /// <summary>
    /// Encrypts <paramref name="message"/> with the given 16-character random prefix (facts §1.4).
    /// Throws on an invalid key: that is configuration, checked at start-up.
    /// </summary>
    public static string Encrypt(string aesKey, string ownerKey, string message, string random16)
    {
        if (!TryKey(aesKey, out var key)) throw new ArgumentException("The AES key must be 43 Base64 characters.", nameof(aesKey));
        var randomBytes = Encoding.UTF8.GetBytes(random16);
        if (randomBytes.Length != 16) throw new ArgumentException("The random prefix must be 16 bytes.", nameof(random16));
        var msg = Encoding.UTF8.GetBytes(message);
        var owner = Encoding.UTF8.GetBytes(ownerKey);

        var unpadded = 16 + 4 + msg.Length + owner.Length;
        var pad = PadBlock - unpadded % PadBlock;
        var plain = new byte[unpadded + pad];
        randomBytes.CopyTo(plain, 0);
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(16, 4), (uint)msg.Length);
        msg.CopyTo(plain, 20);
        owner.CopyTo(plain, 20 + msg.Length);
        plain.AsSpan(unpadded).Fill((byte)pad);

        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>The reply to every event push (including check_url): encrypted "success", signed.</summary>
    public static EncryptedReply SuccessReply(CallbackSecrets secrets, DateTimeOffset now) =>
        Reply(secrets, "success", now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), RandomString(16), RandomString(16));

    /// <summary>A signed, encrypted reply with explicit timestamp, nonce and random prefix (deterministic, for tests).</summary>
    public static EncryptedReply Reply(CallbackSecrets secrets, string message, string timeStamp, string nonce, string random16)
    {
        var encrypt = Encrypt(secrets.AesKey, secrets.OwnerKey, message, random16);
        return new EncryptedReply(ComputeSignature(secrets.Token, timeStamp, nonce, encrypt), timeStamp, nonce, encrypt);
    }

    /// <summary>Card callback (facts §4.4): Base64(HMAC-SHA256(key = apiSecret, message = timestamp header)).</summary>
    public static string ComputeCardSignature(string apiSecret, string timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiSecret), Encoding.UTF8.GetBytes(timestamp)));

    /// <summary>Checks the <c>x-ddpaas-signature-timestamp</c> and <c>x-ddpaas-signature</c> headers of a card callback.</summary>
    public static CallbackCheck VerifyCardCallback(string apiSecret, string? timestamp, string? signature, DateTimeOffset now, TimeSpan window)
    {
        if (string.IsNullOrEmpty(signature)) return CallbackCheck.MissingField;
        var time = CheckTimestamp(timestamp, now, window);
        if (time != CallbackCheck.Valid) return time;
        return FixedTimeEquals(ComputeCardSignature(apiSecret, timestamp!), signature) ? CallbackCheck.Valid : CallbackCheck.BadSignature;
    }

    /// <summary>Robot sign (facts §5.4, §5.5): Base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)), not URL-encoded.</summary>
    public static string ComputeRobotSign(string secret, string timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "\n" + secret)));

    /// <summary>Checks the <c>timestamp</c> and <c>sign</c> headers of a robot's HTTP message callback (secret = AppSecret).</summary>
    public static CallbackCheck VerifyRobotCallback(string appSecret, string? timestamp, string? sign, DateTimeOffset now, TimeSpan window)
    {
        if (string.IsNullOrEmpty(sign)) return CallbackCheck.MissingField;
        var time = CheckTimestamp(timestamp, now, window);
        if (time != CallbackCheck.Valid) return time;
        return FixedTimeEquals(ComputeRobotSign(appSecret, timestamp!), sign) ? CallbackCheck.Valid : CallbackCheck.BadSignature;
    }

    /// <summary>True when <paramref name="aesKey"/> is 43 characters of <c>[A-Za-z0-9]</c> decoding to 32 bytes.</summary>
    public static bool IsValidAesKey(string? aesKey) => TryKey(aesKey, out _);

    private static bool TryKey(string? aesKey, out byte[] key)
    {
        key = [];
        if (aesKey is null || aesKey.Length != 43 || !aesKey.All(char.IsAsciiLetterOrDigit)) return false;
        try
        {
            key = Convert.FromBase64String(aesKey + "=");
        }
        catch (FormatException)
        {
            return false;
        }
        return key.Length == 32;
    }

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    private static string RandomString(int length) => RandomNumberGenerator.GetString(RandomAlphabet, length);
}
