using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SchoolSafety.Core.DingTalk;

/// <summary>
/// A verified signed callback: <see cref="Check"/> Valid, and <see cref="EarlierReply"/> set when this very request was
/// answered before (answer it the same). <see cref="ReplayKey"/> names where to keep the answer.
/// </summary>
public sealed record VerifiedCallback(CallbackCheck Check, string? ReplayKey = null, string? EarlierReply = null)
{
    public bool IsValid => Check == CallbackCheck.Valid;
}

/// <summary>
/// DingTalk's card and robot signatures cover only a timestamp, so the signature proves little on its own: a captured header
/// pair is accepted within <see cref="DingTalkOptions.CallbackTimestampWindow"/> (5 minutes by default) and only once. The
/// same request again gets the first answer; the same pair with any other body is refused as <see cref="CallbackCheck.Replayed"/>.
/// Both HTTP endpoints verify here; Stream mode needs no signature (the connection is authenticated).
/// </summary>
public sealed class CallbackVerifier(CallbackReplayStore replays, IOptions<DingTalkOptions> options, TimeProvider clock)
{
    /// <summary>A pair is valid for the window either side of its timestamp: kept that long twice over.</summary>
    public TimeSpan Keep => options.Value.CallbackTimestampWindow * 2;

    public Task<VerifiedCallback> CardAsync(string secret, string? timestamp, string? signature, string body, CancellationToken ct) =>
        OnceAsync("card", DingTalkCallbackCrypto.VerifyCardCallback(secret, timestamp, signature, clock.GetUtcNow(), options.Value.CallbackTimestampWindow),
            timestamp, signature, body, ct);

    public Task<VerifiedCallback> RobotAsync(string secret, string? timestamp, string? sign, string body, CancellationToken ct) =>
        OnceAsync("robot", DingTalkCallbackCrypto.VerifyRobotCallback(secret, timestamp, sign, clock.GetUtcNow(), options.Value.CallbackTimestampWindow),
            timestamp, sign, body, ct);

    /// <summary>
    /// A robot message id (DingTalk sends a message again, newly signed, when our answer was late): the first time New, then
    /// SameBody with the answer given. Shared by HTTP and Stream mode.
    /// </summary>
    public Task<ReplayClaim> MessageOnceAsync(string msgId, CancellationToken ct) =>
        replays.ClaimAsync(MessageKey(msgId), CallbackReplayStore.Hash(msgId), Keep, ct);

    public static string MessageKey(string msgId) =>
        "robot-msg:" + (msgId.Length <= 140 ? msgId : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(msgId))));

    public Task RememberAsync(string replayKey, string reply, CancellationToken ct) => replays.SaveReplyAsync(replayKey, reply, ct);

    private async Task<VerifiedCallback> OnceAsync(string kind, CallbackCheck check, string? timestamp, string? signature, string body, CancellationToken ct)
    {
        if (check != CallbackCheck.Valid) return new VerifiedCallback(check);
        var key = kind + ":" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + signature)));
        var claim = await replays.ClaimAsync(key, CallbackReplayStore.Hash(body), Keep, ct);
        return claim.State switch
        {
            ReplayState.OtherBody => new VerifiedCallback(CallbackCheck.Replayed),
            _ => new VerifiedCallback(CallbackCheck.Valid, key, claim.Reply),
        };
    }
}
