using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Core.Tests.DingTalk;

public sealed class DingTalkCallbackCryptoTests
{
    private static readonly TimeSpan Window = DingTalkCallbackCrypto.DefaultWindow;

    /// <summary>The official vectors of dingtalk-api-facts.md §1.7.</summary>
    public static TheoryData<string, string, string, string, string, string, string, string, string> Vectors => new()
    {
        {
            "123456", "1234567890123456789012345678901234567890123", "dingsnotzck6pm5veliw", "1614767836", "A7Co0cJLMzIDtMMI",
            "9a95a004dd16f5c307e849b994173f76aa26e5eb",
            "YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==",
            "success", "dICkEDLj0eb6yAbc"
        },
        {
            "tokenxxxx", "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus", "dingxxxxxx", "1605695694141", "WelUQl6bCqcBa2fM",
            "f36f4ba5337d426c7d4bca0dbcb06b3ddc1388fc",
            "X1VSe9cTJUMZu60d3kyLYTrBq5578ZRJtteU94wG0Q4Uk6E/wQYeJRIC0/UFW5Wkya1Ihz9oXAdLlyC9TRaqsQ==",
            "success", "WelUQl6bCqcBa2fM"
        },
        {
            "123456", "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij", "suite4xxxxxxxxxxxxxxx", "1445827045067", "nEXhMP4r",
            "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0",
            "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==",
            """{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}""", "hU3bEfGZZewzhG5a"
        },
    };

    private static DateTimeOffset At(string timestamp)
    {
        var v = long.Parse(timestamp);
        return DateTimeOffset.FromUnixTimeMilliseconds(v > 100_000_000_000 ? v : v * 1000);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void ComputeSignature_OfficialVector_MatchesMsgSignature(
        string token, string aesKey, string owner, string ts, string nonce, string signature, string encrypt, string plain, string random)
    {
        _ = (aesKey, owner, plain, random);
        Assert.Equal(signature, DingTalkCallbackCrypto.ComputeSignature(token, ts, nonce, encrypt));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Open_OfficialVector_YieldsPlaintextAndRandom(
        string token, string aesKey, string owner, string ts, string nonce, string signature, string encrypt, string plain, string random)
    {
        var opened = DingTalkCallbackCrypto.Open(new CallbackSecrets(token, aesKey, owner), signature, ts, nonce, encrypt, At(ts), Window);

        Assert.Equal(CallbackCheck.Valid, opened.Check);
        Assert.Equal(plain, opened.Message);
        Assert.Equal(random, opened.Random);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encrypt_WithRecoveredRandom_ReproducesOfficialCiphertext(
        string token, string aesKey, string owner, string ts, string nonce, string signature, string encrypt, string plain, string random)
    {
        _ = (token, ts, nonce, signature);
        Assert.Equal(encrypt, DingTalkCallbackCrypto.Encrypt(aesKey, owner, plain, random));
    }

    [Fact]
    public void Reply_DerivedEncryptVector_MatchesFactsFile()
    {
        var secrets = new CallbackSecrets("123456", "1234567890123456789012345678901234567890123", "dingsnotzck6pm5veliw");

        var reply = DingTalkCallbackCrypto.Reply(secrets, "success", "1614767836", "A7Co0cJLMzIDtMMI", "aaaaaaaaaaaaaaaa");

        Assert.Equal("xb2B223Q38TZgqvtbhvigfmvA/nQHMMTAiVqpBj30t8+Kg3IIqZQk5z16Awk3ljSKxonEzL0E1EqzrV/AfxVlg==", reply.Encrypt);
        Assert.Equal("e65c50d9b5e5ab5d4b1c28873a740147bed3b5dc", reply.MsgSignature);
    }

    [Fact]
    public void SuccessReply_OpenedWithSameSecrets_SaysSuccess()
    {
        var secrets = new CallbackSecrets("tok", "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus", "dingappkey");
        var now = DateTimeOffset.Parse("2026-11-29T08:00:00Z");

        var reply = DingTalkCallbackCrypto.SuccessReply(secrets, now);
        var opened = DingTalkCallbackCrypto.Open(secrets, reply.MsgSignature, reply.TimeStamp, reply.Nonce, reply.Encrypt, now, Window);

        Assert.Equal(CallbackCheck.Valid, opened.Check);
        Assert.Equal("success", opened.Message);
        Assert.Equal(16, reply.Nonce.Length);
    }

    private static readonly CallbackSecrets V1 = new("123456", "1234567890123456789012345678901234567890123", "dingsnotzck6pm5veliw");
    private const string V1Ts = "1614767836";
    private const string V1Nonce = "A7Co0cJLMzIDtMMI";
    private const string V1Sig = "9a95a004dd16f5c307e849b994173f76aa26e5eb";
    private const string V1Encrypt = "YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==";

    [Fact]
    public void Open_TamperedCiphertext_IsBadSignature()
    {
        var tampered = "Z" + V1Encrypt[1..];

        var opened = DingTalkCallbackCrypto.Open(V1, V1Sig, V1Ts, V1Nonce, tampered, At(V1Ts), Window);

        Assert.Equal(CallbackCheck.BadSignature, opened.Check);
        Assert.Null(opened.Message);
    }

    [Theory]
    [InlineData("9a95a004dd16f5c307e849b994173f76aa26e5ea")]
    [InlineData("9a95a004")]
    [InlineData("not-a-signature")]
    public void Open_WrongSignature_IsBadSignature(string signature)
    {
        var opened = DingTalkCallbackCrypto.Open(V1, signature, V1Ts, V1Nonce, V1Encrypt, At(V1Ts), Window);

        Assert.Equal(CallbackCheck.BadSignature, opened.Check);
    }

    [Fact]
    public void Open_UpperCaseHexSignature_IsValid()
    {
        var opened = DingTalkCallbackCrypto.Open(V1, V1Sig.ToUpperInvariant(), V1Ts, V1Nonce, V1Encrypt, At(V1Ts), Window);

        Assert.Equal(CallbackCheck.Valid, opened.Check);
    }

    [Fact]
    public void Open_TimestampOlderThanWindow_IsStale()
    {
        var now = At(V1Ts) + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1);

        var opened = DingTalkCallbackCrypto.Open(V1, V1Sig, V1Ts, V1Nonce, V1Encrypt, now, Window);

        Assert.Equal(CallbackCheck.StaleTimestamp, opened.Check);
    }

    [Fact]
    public void Open_TimestampAheadOfWindow_IsFutureDated()
    {
        var now = At(V1Ts) - TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1);

        var opened = DingTalkCallbackCrypto.Open(V1, V1Sig, V1Ts, V1Nonce, V1Encrypt, now, Window);

        Assert.Equal(CallbackCheck.FutureTimestamp, opened.Check);
    }

    [Fact]
    public void DefaultWindow_IsFiveMinutes() => Assert.Equal(TimeSpan.FromMinutes(5), Window);

    [Fact]
    public void Open_JustInsideConfiguredWindow_IsValid()
    {
        var now = At(V1Ts) + TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(59);

        var opened = DingTalkCallbackCrypto.Open(V1, V1Sig, V1Ts, V1Nonce, V1Encrypt, now, Window);

        Assert.Equal(CallbackCheck.Valid, opened.Check);
    }

    [Fact]
    public void Open_NarrowerConfiguredWindow_RefusesSameDelay()
    {
        var now = At(V1Ts) + TimeSpan.FromMinutes(2);

        var opened = DingTalkCallbackCrypto.Open(V1, V1Sig, V1Ts, V1Nonce, V1Encrypt, now, TimeSpan.FromMinutes(1));

        Assert.Equal(CallbackCheck.StaleTimestamp, opened.Check);
    }

    [Fact]
    public void Open_WrongOwnerKey_IsWrongOwner()
    {
        var other = V1 with { OwnerKey = "dingsomeoneelse00000" };

        var opened = DingTalkCallbackCrypto.Open(other, V1Sig, V1Ts, V1Nonce, V1Encrypt, At(V1Ts), Window);

        Assert.Equal(CallbackCheck.WrongOwner, opened.Check);
        Assert.Null(opened.Message);
    }

    [Theory]
    [InlineData(null, V1Nonce, V1Encrypt, V1Ts, CallbackCheck.MissingField)]
    [InlineData(V1Sig, null, V1Encrypt, V1Ts, CallbackCheck.MissingField)]
    [InlineData(V1Sig, V1Nonce, "", V1Ts, CallbackCheck.MissingField)]
    [InlineData(V1Sig, V1Nonce, V1Encrypt, null, CallbackCheck.MissingField)]
    [InlineData(V1Sig, V1Nonce, V1Encrypt, "16147x7836", CallbackCheck.MalformedTimestamp)]
    public void Open_MissingOrMalformedField_IsRefused(string? sig, string? nonce, string? encrypt, string? ts, CallbackCheck expected)
    {
        var opened = DingTalkCallbackCrypto.Open(V1, sig, ts, nonce, encrypt, At(V1Ts), Window);

        Assert.Equal(expected, opened.Check);
    }

    [Fact]
    public void Decrypt_CorrectlySignedGarbage_IsMalformedNotException()
    {
        var garbage = Convert.ToBase64String(new byte[40]);

        Assert.Equal(CallbackCheck.MalformedCiphertext, DingTalkCallbackCrypto.Decrypt(V1.AesKey, garbage, V1.OwnerKey).Check);
        Assert.Equal(CallbackCheck.MalformedCiphertext, DingTalkCallbackCrypto.Decrypt(V1.AesKey, "%%%not base64", V1.OwnerKey).Check);
    }

    [Fact]
    public void Decrypt_FlippedCipherByte_IsRefused()
    {
        var bytes = Convert.FromBase64String(V1Encrypt);
        bytes[^1] ^= 0x5A;

        var opened = DingTalkCallbackCrypto.Decrypt(V1.AesKey, Convert.ToBase64String(bytes), V1.OwnerKey);

        Assert.NotEqual(CallbackCheck.Valid, opened.Check);
        Assert.Null(opened.Message);
    }

    [Theory]
    [InlineData("123456789012345678901234567890123456789012")]
    [InlineData("12345678901234567890123456789012345678901234")]
    [InlineData("1234567890123456789012345678901234567890+23")]
    public void Decrypt_InvalidAesKey_IsInvalidAesKey(string aesKey)
    {
        Assert.False(DingTalkCallbackCrypto.IsValidAesKey(aesKey));
        Assert.Equal(CallbackCheck.InvalidAesKey, DingTalkCallbackCrypto.Decrypt(aesKey, V1Encrypt, V1.OwnerKey).Check);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("消息：一条包含中文的较长的事件内容，用来跨越多个三十二字节的块边界。")]
    public void Encrypt_ThenDecrypt_RoundTrips(string message)
    {
        var encrypt = DingTalkCallbackCrypto.Encrypt(V1.AesKey, V1.OwnerKey, message, "0123456789abcdef");

        var opened = DingTalkCallbackCrypto.Decrypt(V1.AesKey, encrypt, V1.OwnerKey);

        Assert.Equal(CallbackCheck.Valid, opened.Check);
        Assert.Equal(message, opened.Message);
        Assert.Equal(0, Convert.FromBase64String(encrypt).Length % 32);
    }

    [Fact]
    public void ComputeCardSignature_DerivedVector_Matches()
    {
        Assert.Equal("xnBENZKoYbPiEX7TzjTy35B2Dv4RlEs6ks4/GYlmGOY=", DingTalkCallbackCrypto.ComputeCardSignature("mySecret", "1595925864847"));
    }

    [Fact]
    public void VerifyCardCallback_GoodHeadersInWindow_IsValid()
    {
        var check = DingTalkCallbackCrypto.VerifyCardCallback(
            "mySecret", "1595925864847", "xnBENZKoYbPiEX7TzjTy35B2Dv4RlEs6ks4/GYlmGOY=", At("1595925864847"), Window);

        Assert.Equal(CallbackCheck.Valid, check);
    }

    [Theory]
    [InlineData("mySecret", "1595925864848", "xnBENZKoYbPiEX7TzjTy35B2Dv4RlEs6ks4/GYlmGOY=", 0, CallbackCheck.BadSignature)]
    [InlineData("otherSecret", "1595925864847", "xnBENZKoYbPiEX7TzjTy35B2Dv4RlEs6ks4/GYlmGOY=", 0, CallbackCheck.BadSignature)]
    [InlineData("mySecret", "1595925864847", "xnBENZKoYbPiEX7TzjTy35B2Dv4RlEs6ks4/GYlmGOY=", 2, CallbackCheck.StaleTimestamp)]
    [InlineData("mySecret", "1595925864847", "xnBENZKoYbPiEX7TzjTy35B2Dv4RlEs6ks4/GYlmGOY=", -2, CallbackCheck.FutureTimestamp)]
    [InlineData("mySecret", "1595925864847", null, 0, CallbackCheck.MissingField)]
    public void VerifyCardCallback_TamperedOrOutOfWindow_IsRefused(string secret, string ts, string? sig, int hoursLater, CallbackCheck expected)
    {
        var now = At("1595925864847") + TimeSpan.FromHours(hoursLater);

        Assert.Equal(expected, DingTalkCallbackCrypto.VerifyCardCallback(secret, ts, sig, now, Window));
    }

    [Fact]
    public void ComputeRobotSign_DerivedVector_Matches()
    {
        Assert.Equal("DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=", DingTalkCallbackCrypto.ComputeRobotSign("this is a secret", "1577262236757"));
    }

    [Theory]
    [InlineData("1577262236757", "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=", 0, CallbackCheck.Valid)]
    [InlineData("1577262236758", "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=", 0, CallbackCheck.BadSignature)]
    [InlineData("1577262236757", "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CB=", 0, CallbackCheck.BadSignature)]
    [InlineData("1577262236757", "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=", 3, CallbackCheck.StaleTimestamp)]
    [InlineData("1577262236757", "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=", -3, CallbackCheck.FutureTimestamp)]
    [InlineData(null, "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=", 0, CallbackCheck.MissingField)]
    public void VerifyRobotCallback_Inputs_GiveExpectedCheck(string? ts, string sign, int hoursLater, CallbackCheck expected)
    {
        var now = At("1577262236757") + TimeSpan.FromHours(hoursLater);

        Assert.Equal(expected, DingTalkCallbackCrypto.VerifyRobotCallback("this is a secret", ts, sign, now, Window));
    }
}
