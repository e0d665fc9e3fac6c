using System.Net;
using System.Text.Json;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Callbacks;

/// <summary>
/// DingTalk's card and robot signatures cover only a timestamp: one captured header pair must not let anyone act as
/// anyone. A pair is accepted within 5 minutes, once: the same request again answers as the first did, the same pair
/// with another body is refused; a click counts only on that clue's card as delivered to the clicker.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class CallbackReplayTests(CallbacksHost host) : IClassFixture<CallbacksHost>
{
    private Task<(string State, int Version)> RowAsync(long id) =>
        host.QueryAsync<(string, int)>("SELECT state, version FROM clues WHERE id = @id", new { id }).ContinueWith(t => t.Result.Single());

    private static string Notice(string reply) =>
        JsonDocument.Parse(reply).RootElement.GetProperty("userPrivateData").GetProperty("cardParamMap").GetProperty("notice").GetString()!;

    [Fact]
    public async Task CardClick_SixMinutesOld_IsRefused()
    {
        var clue = await host.ReportAsync();
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        var old = host.Now.AddMinutes(-6).ToUnixTimeMilliseconds().ToString();
        var (status, _) = await host.ClickAsync(handler, clue.ClueId, 1, "accept", timestamp: old);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(("PendingAcceptance", 1), await RowAsync(clue.ClueId));
    }

    [Fact]
    public async Task CardClick_SamePairAgain_AnswersAsTheFirst_SamePairOtherBody_IsRefused()
    {
        var clue = await host.ReportAsync();
        var other = await host.ReportAsync(school: 2);
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        var otherHandler = await host.MemberDingTalkIdAsync(2, "POL");
        await host.DeliverCardsAsync();
        var ts = host.UniqueNowMs();
        var sig = DingTalkCallbackCrypto.ComputeCardSignature(CallbacksHost.CardSecret, ts);
        var body = CallbacksHost.CardClickBody(handler, clue.ClueId, 1, "accept");

        var first = await host.SendClickAsync(body, ts, sig);
        var again = await host.SendClickAsync(body, ts, sig);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first, again);
        Assert.Equal("已签收", Notice(first.Text));

        // The captured pair on another body: another person, another clue.
        var forged = await host.SendClickAsync(CallbacksHost.CardClickBody(otherHandler, other.ClueId, 1, "accept"), ts, sig);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);
        Assert.Equal(("PendingAcceptance", 1), await RowAsync(other.ClueId));
        Assert.Equal(("InProgress", 2), await RowAsync(clue.ClueId));
    }

    [Fact]
    public async Task CardClick_OnAnotherCluesCard_OrACardNeverDeliveredToTheClicker_ChangesNothing()
    {
        var clue = await host.ReportAsync();
        var other = await host.ReportAsync(school: 2);
        var handler = await host.MemberDingTalkIdAsync(1, "POL");

        // The handler's own card, naming another clue in its parameters.
        var (_, foreign) = await host.ClickAsync(handler, other.ClueId, 1, "accept", outTrackId: $"clue-{clue.ClueId}");
        Assert.Equal("无权操作", foreign.GetProperty("userPrivateData").GetProperty("cardParamMap").GetProperty("notice").GetString());
        Assert.False(foreign.TryGetProperty("cardData", out _));
        Assert.Equal(("PendingAcceptance", 1), await RowAsync(other.ClueId));

        // The head of the handler's unit may act on the clue, but was never sent its card.
        var head = await host.ScalarAsync<string>("""
            SELECT u.dingtalk_user_id FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.role = 'UnitHead' AND m.unit_id = (SELECT unit_id FROM clues WHERE id = @id)
            """, new { id = clue.ClueId });
        Assert.Equal(0, await host.ScalarAsync<long>(
            "SELECT COUNT(*) FROM card_copies c JOIN users u ON u.id = c.user_id WHERE c.clue_id = @id AND u.dingtalk_user_id = @head", new { id = clue.ClueId, head }));
        var (_, stranger) = await host.ClickAsync(head, clue.ClueId, 1, "accept");
        Assert.Equal("无权操作", stranger.GetProperty("userPrivateData").GetProperty("cardParamMap").GetProperty("notice").GetString());
        Assert.Equal(("PendingAcceptance", 1), await RowAsync(clue.ClueId));
    }

    [Fact]
    public async Task RobotMessage_SamePairOtherBody_IsRefused_SameMessageIdAnswersOnce()
    {
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        var ts = host.UniqueNowMs();
        var sign = DingTalkCallbackCrypto.ComputeRobotSign(CallbacksHost.AppSecret, ts);
        var body = CallbacksHost.RobotBody(handler, "帮助");
        var first = await host.SendRobotAsync(body, ts, sign);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first, await host.SendRobotAsync(body, ts, sign));
        var forged = await host.SendRobotAsync(CallbacksHost.RobotBody("demo-edu-admin", "督办清单"), ts, sign);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);

        // DingTalk sends a message again (a new timestamp and sign) when our answer was late: it is answered once, the same.
        var msgId = Guid.NewGuid().ToString("N");
        var (s1, once) = await host.AskAsync(handler, "我的待办", msgId: msgId);
        var (s2, twice) = await host.AskAsync(handler, "我的待办", msgId: msgId);
        Assert.Equal(HttpStatusCode.OK, s1);
        Assert.Equal((HttpStatusCode.OK, once), (s2, twice));
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM callback_replays WHERE replay_key = @k", new { k = "robot-msg:" + msgId }));
    }
}
