using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Inbox;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Stream;
using SchoolSafety.IntegrationTests.Callbacks;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Stream;

[Collection(DatabaseCollection.Name)]
public sealed class StreamClientTests(CallbacksHost host) : IClassFixture<CallbacksHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static object Frame(string type, string topic, string messageId, string data, Dictionary<string, string>? extra = null)
    {
        var headers = new Dictionary<string, string> { ["topic"] = topic, ["messageId"] = messageId, ["contentType"] = "application/json", ["time"] = "1690362102194" };
        foreach (var (k, v) in extra ?? []) headers[k] = v;
        return new { specVersion = "1.0", type, headers, data };
    }

    [Fact]
    public async Task Stream_Connect_Ping_CardCallback_Robot_Event_ReconnectAfterDisconnect()
    {
        await using var gateway = new FakeStreamGateway();
        await gateway.StartAsync();
        var client = new StreamClient(
            host.Get<IHttpClientFactory>(), host.Get<StreamFrameHandler>(),
            Options.Create(new DingTalkOptions { ApiBaseUrl = gateway.Url, AppKey = CallbacksHost.AppKey, AppSecret = CallbacksHost.AppSecret }),
            Options.Create(new StreamOptions { Enabled = true, ReconnectMin = TimeSpan.FromMilliseconds(20), ReconnectMax = TimeSpan.FromMilliseconds(200) }),
            TimeProvider.System, NullLogger<StreamClient>.Instance);
        using var stop = new CancellationTokenSource();
        var running = client.RunAsync(stop.Token);

        // connect: the open request names our app and the three subscriptions
        var first = await gateway.NextConnectionAsync(Wait);
        Assert.Equal("ticket-1", first.Ticket);
        var open = gateway.OpenRequests[0];
        Assert.Equal(CallbacksHost.AppKey, open.GetProperty("clientId").GetString());
        Assert.Equal(["EVENT *", "CALLBACK /v1.0/im/bot/messages/get", "CALLBACK /v1.0/card/instances/callback"],
            open.GetProperty("subscriptions").EnumerateArray().Select(s => $"{s.GetProperty("type")} {s.GetProperty("topic")}").ToArray());

        // ping: echoed
        await FakeStreamGateway.SendAsync(first, Frame("SYSTEM", "ping", "m-ping", """{"opaque":"abc-123"}"""));
        var pong = await FakeStreamGateway.ReceiveAsync(first, Wait);
        Assert.Equal(200, pong.GetProperty("code").GetInt32());
        Assert.Equal("m-ping", pong.GetProperty("headers").GetProperty("messageId").GetString());
        Assert.Equal("""{"opaque":"abc-123"}""", pong.GetProperty("data").GetString());

        // a card callback: applied, the card reply inside the ACK
        var clue = await host.ReportAsync();
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        await host.DeliverCardsAsync();
        await FakeStreamGateway.SendAsync(first, Frame("CALLBACK", StreamFrameHandler.CardTopic, "m-card", CallbacksHost.CardClickBody(handler, clue.ClueId, 1, "accept")));
        var cardAck = await FakeStreamGateway.ReceiveAsync(first, Wait);
        Assert.Equal("m-card", cardAck.GetProperty("headers").GetProperty("messageId").GetString());
        var response = JsonDocument.Parse(cardAck.GetProperty("data").GetString()!).RootElement.GetProperty("response");
        Assert.Equal("处置中", response.GetProperty("cardData").GetProperty("cardParamMap").GetProperty("state").GetString());
        Assert.Equal("已签收", response.GetProperty("userPrivateData").GetProperty("cardParamMap").GetProperty("notice").GetString());
        Assert.Equal("InProgress", await host.ScalarAsync<string>("SELECT state FROM clues WHERE id = @id", new { id = clue.ClueId }));

        // a robot message: ACKed at once, answered through the outbox
        var cid = "cid-stream-" + Guid.NewGuid().ToString("N")[..8];
        var robot = JsonSerializer.Serialize(new { conversationId = cid, conversationType = "1", msgId = "msg-" + cid, msgtype = "text", text = new { content = "我的待办" }, senderStaffId = handler });
        await FakeStreamGateway.SendAsync(first, Frame("CALLBACK", StreamFrameHandler.RobotTopic, "m-robot", robot));
        var robotAck = await FakeStreamGateway.ReceiveAsync(first, Wait);
        Assert.Equal("""{"response":null}""", robotAck.GetProperty("data").GetString());
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = 'chatbot.reply' AND JSON_EXTRACT(payload, '$.conversationId') = @cid", new { cid }));
        await FakeStreamGateway.SendAsync(first, Frame("CALLBACK", StreamFrameHandler.RobotTopic, "m-robot-2", robot));   // the same msgId again
        await FakeStreamGateway.ReceiveAsync(first, Wait);
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = 'chatbot.reply' AND JSON_EXTRACT(payload, '$.conversationId') = @cid", new { cid }));

        // an event: stored, ACKed SUCCESS
        var eventId = Guid.NewGuid().ToString("N");
        await FakeStreamGateway.SendAsync(first, Frame("EVENT", "*", "m-event", """{"UserId":["x"]}""",
            new() { ["eventId"] = eventId, ["eventType"] = "user_modify_org", ["eventCorpId"] = "dingcorp" }));
        var eventAck = await FakeStreamGateway.ReceiveAsync(first, Wait);
        Assert.Equal("SUCCESS", JsonDocument.Parse(eventAck.GetProperty("data").GetString()!).RootElement.GetProperty("status").GetString());
        Assert.Equal("user_modify_org", await host.ScalarAsync<string>("SELECT event_type FROM inbox_events WHERE event_key = @eventId AND source = 'stream'", new { eventId }));

        // disconnect: a new connection with a fresh ticket
        await FakeStreamGateway.SendAsync(first, new { specVersion = "1.0", type = "SYSTEM", headers = new { topic = "disconnect" }, data = """{"reason":"maintenance"}""" });
        var second = await gateway.NextConnectionAsync(Wait);
        Assert.Equal("ticket-2", second.Ticket);
        first.Done.TrySetResult();

        // and it still answers on the new one
        await FakeStreamGateway.SendAsync(second, Frame("SYSTEM", "ping", "m-ping-2", """{"opaque":"2"}"""));
        Assert.Equal("m-ping-2", (await FakeStreamGateway.ReceiveAsync(second, Wait)).GetProperty("headers").GetProperty("messageId").GetString());

        // a dropped socket: reconnected again
        second.Socket.Abort();
        second.Done.TrySetResult();
        var third = await gateway.NextConnectionAsync(Wait);
        Assert.Equal("ticket-3", third.Ticket);
        third.Done.TrySetResult();

        stop.Cancel();
        await running;
    }
    private StreamClient Client(FakeStreamGateway gateway, StreamOptions options) => new(
        host.Get<IHttpClientFactory>(), host.Get<StreamFrameHandler>(),
        Options.Create(new DingTalkOptions { ApiBaseUrl = gateway.Url, AppKey = CallbacksHost.AppKey, AppSecret = CallbacksHost.AppSecret }),
        Options.Create(options), TimeProvider.System, NullLogger<StreamClient>.Instance);

    [Fact]
    public async Task Gateway_AnswersXmlWithoutTheAcceptHeader_OurClientSendsIt()
    {
        await using var gateway = new FakeStreamGateway();
        await gateway.StartAsync();
        using (var bare = new HttpClient())
        {
            var r = await bare.PostAsync(gateway.Url + "/v1.0/gateway/connections/open", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            Assert.StartsWith("<xml>", await r.Content.ReadAsStringAsync());
        }
        using var stop = new CancellationTokenSource();
        var running = Client(gateway, new StreamOptions { Enabled = true }).RunAsync(stop.Token);
        var c = await gateway.NextConnectionAsync(Wait);
        Assert.Equal("ticket-1", c.Ticket);
        stop.Cancel();
        c.Done.TrySetResult();
        await running;
    }

    [Fact]
    public async Task AfterAGoodConnection_ADropReconnectsAtOnce_NotAfterTheBackOffOfEarlierFailures()
    {
        await using var gateway = new FakeStreamGateway { FailNextOpens = 6 };
        await gateway.StartAsync();
        using var stop = new CancellationTokenSource();
        var running = Client(gateway, new StreamOptions { Enabled = true, ReconnectMin = TimeSpan.FromMilliseconds(300), ReconnectMax = TimeSpan.FromSeconds(60) })
            .RunAsync(stop.Token);

        var first = await gateway.NextConnectionAsync(TimeSpan.FromSeconds(60));   // after six refused opens (back-off up to 9.6 s)
        // Dropped only once our side is up (its ping echoed): the gateway's accept comes before the client's own handshake
        // returns, and a socket cut in between is a failed attempt, rightly followed by the back-off.
        await FakeStreamGateway.SendAsync(first, Frame("SYSTEM", "ping", "m-up", """{"opaque":"up"}"""));
        Assert.Equal("m-up", (await FakeStreamGateway.ReceiveAsync(first, Wait)).GetProperty("headers").GetProperty("messageId").GetString());
        first.Socket.Abort();
        first.Done.TrySetResult();
        var dropped = System.Diagnostics.Stopwatch.StartNew();
        var second = await gateway.NextConnectionAsync(TimeSpan.FromSeconds(30));
        // Without the reset the seventh failure would wait 9.6-19.2 s; after a good connection it is the first delay (150-300 ms).
        // The margin is wide on purpose: on a loaded machine a reconnect itself has taken 4.5 s.
        Assert.True(dropped.Elapsed < TimeSpan.FromSeconds(7), $"reconnected after {dropped.Elapsed}");
        stop.Cancel();
        second.Done.TrySetResult();
        await running;
    }

    [Fact]
    public async Task ADatabaseErrorWhileHandlingAFrame_Reconnects_InsteadOfStoppingTheHost()
    {
        await using var gateway = new FakeStreamGateway();
        await gateway.StartAsync();
        // The frame handler's database is unreachable (nothing listens on port 9): writing the robot message's reply fails.
        await using var unreachable = new MySqlDataSource("Server=127.0.0.1;Port=9;User ID=x;Password=x;Database=x;Connection Timeout=2");
        var handler = new StreamFrameHandler(unreachable, host.Get<InboxIntake>(), host.Get<CardCallbackService>(), host.Get<OutboxStore>(),
            host.Get<CallbackVerifier>(), NullLogger<StreamFrameHandler>.Instance);
        var client = new StreamClient(host.Get<IHttpClientFactory>(), handler,
            Options.Create(new DingTalkOptions { ApiBaseUrl = gateway.Url, AppKey = CallbacksHost.AppKey, AppSecret = CallbacksHost.AppSecret }),
            Options.Create(new StreamOptions { Enabled = true, ReconnectMin = TimeSpan.FromMilliseconds(20), ReconnectMax = TimeSpan.FromMilliseconds(200) }),
            TimeProvider.System, NullLogger<StreamClient>.Instance);
        using var stop = new CancellationTokenSource();
        var running = client.RunAsync(stop.Token);

        var first = await gateway.NextConnectionAsync(Wait);
        var robot = JsonSerializer.Serialize(new
        {
            conversationId = "cid-unreachable-db", conversationType = "1", msgId = "msg-" + Guid.NewGuid().ToString("N"),
            msgtype = "text", text = new { content = "帮助" }, senderStaffId = "someone",
        });
        await FakeStreamGateway.SendAsync(first, Frame("CALLBACK", StreamFrameHandler.RobotTopic, "m-unreachable", robot));

        // The run loop survives the MySqlException: it drops that connection and opens a new one with a fresh ticket
        // (before the fix the exception left RunAsync, and a BackgroundService that throws stops the whole host).
        var second = await gateway.NextConnectionAsync(Wait);
        first.Done.TrySetResult();
        Assert.Equal("ticket-2", second.Ticket);
        Assert.False(running.IsCompleted, $"the run loop ended: {running.Exception}");
        stop.Cancel();
        second.Done.TrySetResult();
        await running;
    }
}
