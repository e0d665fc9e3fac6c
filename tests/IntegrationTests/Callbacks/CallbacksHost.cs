using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Callbacks;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.IntegrationTests.DingTalk;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Callbacks;

/// <summary>
/// The Callbacks host in memory on the test database, with WireMock as DingTalk, the event-subscription secrets of
/// the official vector V1, a card callback secret and a robot AppSecret; the demo district loaded. One per test class.
/// </summary>
public sealed class CallbacksHost : IAsyncLifetime
{
    public const string Token = "123456";
    public const string AesKey = "1234567890123456789012345678901234567890123";
    public const string AppKey = "dingappkey";
    public const string AppSecret = "app-secret";
    public const string CardSecret = "card-secret";

    public TestDatabase Db { get; } = new();
    public DingTalkFake DingTalk { get; } = new();
    public WebApplicationFactory<CallbacksEntryPoint> Factory { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public CallbackSecrets Secrets { get; } = new(Token, AesKey, AppKey);
    /// <summary>The host's clock: real time unless a test class sets it (signatures are made with it).</summary>
    public TestClock Clock { get; } = new(DateTimeOffset.UtcNow);
    public bool FollowRealTime { get; set; } = true;
    /// <summary>Whatever a test class sets up once for all its tests (xunit makes a class instance per test).</summary>
    public Dictionary<string, object> Shared { get; } = [];

    public T Get<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        Factory = new WebApplicationFactory<CallbacksEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:SchoolSafety", Db.ConnectionString);
            b.UseSetting("DingTalk:ApiBaseUrl", DingTalk.Api.Url);
            b.UseSetting("DingTalk:LegacyBaseUrl", DingTalk.Legacy.Url);
            b.UseSetting("DingTalk:AppKey", AppKey);
            b.UseSetting("DingTalk:AppSecret", AppSecret);
            b.UseSetting("DingTalk:CallbackToken", Token);
            b.UseSetting("DingTalk:CallbackAesKey", AesKey);
            b.UseSetting("DingTalk:CardCallbackSecret", CardSecret);
            b.UseSetting("Inbox:RunWorker", "false");
            b.ConfigureServices(s => s.AddSingleton<TimeProvider>(new HostClock(this)));
        });
        Client = Factory.CreateClient();
        await Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        DingTalk.Dispose();
        await Db.DisposeAsync();
    }

    public DateTimeOffset Now => FollowRealTime ? DateTimeOffset.UtcNow : Clock.Now;

    public string NowMs() => Now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private sealed class HostClock(CallbacksHost host) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => host.Now;
    }

    /// <summary>Empties the app tables and loads the demo district again (for classes that need exact figures).</summary>
    public async Task ResetAsync()
    {
        await Db.ResetAsync();
        await Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    // ---------------------------------------------------------------- demo data

    public async Task<long> UserAsync(string dingTalkUserId) =>
        await ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = @d", new { d = dingTalkUserId });

    /// <summary>The DingTalk userId of the demo work-group member of a line at demo school N.</summary>
    public Task<string> MemberDingTalkIdAsync(int school, string line) => ScalarAsync<string>("""
        SELECT u.dingtalk_user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id JOIN users u ON u.id = m.user_id
         WHERE g.open_conversation_id = @cid AND m.line_code = @line
        """, new { cid = $"demo-cid-school{school:D2}", line });

    /// <summary>A new clue reported by demo school N's officer (item 4: police line, routed to the school's police member).</summary>
    public async Task<ActionOutcome> ReportAsync(int school = 1, int item = 4)
    {
        var reporter = await UserAsync($"demo-school{school:D2}-officer");
        var outcome = await Get<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = reporter, ItemNo = item, Description = "校门口有无证摊贩占道经营，放学时段拥堵", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        return outcome;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("no value");
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql, args)).AsList();
    }

    // ---------------------------------------------------------------- requests

    /// <summary>
    /// A card click as DingTalk sends it (facts §4.4), signed with the card secret unless told otherwise. The clue's pending
    /// card deliveries are rendered first (as the dispatcher would, recording who holds a copy), since a person clicks a card they received.
    /// </summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Reply)> ClickAsync(string dingTalkUserId, long clueId, int version, string action,
        string? note = null, string? timestamp = null, string? secret = null, string? outTrackId = null)
    {
        await DeliverCardsAsync();
        var body = CardClickBody(dingTalkUserId, clueId, version, action, note, outTrackId);
        var ts = timestamp ?? UniqueNowMs();
        var (status, text) = await SendClickAsync(body, ts, DingTalkCallbackCrypto.ComputeCardSignature(secret ?? CardSecret, ts));
        return (status, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>One card callback request with these headers; the status and the raw reply.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Text)> SendClickAsync(string body, string timestamp, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/cards") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-ddpaas-signature-timestamp", timestamp);
        request.Headers.Add("x-ddpaas-signature", signature);
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every holder's private values (DingTalk userId → cardParamMap) as the clue's latest card row, a delivery or a refresh, renders them.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> LatestPrivateAsync(long clueId)
    {
        var renderer = Get<SchoolSafety.Core.Notifications.IOutboxMessageRenderer>();
        var rows = await QueryAsync<(long Id, string Topic, string Payload)>(
            "SELECT id, topic, payload FROM outbox WHERE topic IN ('clue.card.deliver', 'clue.card.update') AND JSON_EXTRACT(payload, '$.clueId') = @id ORDER BY id",
            new { id = clueId });
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? last = null;
        foreach (var (id, topic, payload) in rows)
            last = await renderer.RenderAsync(new SchoolSafety.Core.Notifications.OutboxEnvelope(id, topic, ClueService.CardKey(clueId), payload, 1), default) switch
            {
                SchoolSafety.Core.Notifications.OutboxDelivery.Card c => c.Delivery.PrivateData,
                SchoolSafety.Core.Notifications.OutboxDelivery.CardRefresh r => r.Update.PrivateData,
                _ => last,
            };
        return last!;
    }

    /// <summary>A value of a click's reply: shared (every copy) or the clicker's own.</summary>
    public static string SharedValue(JsonElement reply, string key) => reply.GetProperty("cardData").GetProperty("cardParamMap").GetProperty(key).GetString()!;

    public static string PrivateValue(JsonElement reply, string key) => reply.GetProperty("userPrivateData").GetProperty("cardParamMap").GetProperty(key).GetString()!;

    /// <summary>Renders every unsent card delivery as the dispatcher does before sending (which records the copies), sending nothing.</summary>
    public async Task DeliverCardsAsync()
    {
        var renderer = Get<SchoolSafety.Core.Notifications.IOutboxMessageRenderer>();
        foreach (var (id, key, payload) in await QueryAsync<(long, string?, string)>(
                     "SELECT id, ordering_key, payload FROM outbox WHERE topic = 'clue.card.deliver' AND sent_at IS NULL"))
            await renderer.RenderAsync(new SchoolSafety.Core.Notifications.OutboxEnvelope(id, SchoolSafety.Core.Notifications.OutboxTopics.CardDeliver, key, payload, 1), default);
    }

    private long _lastTimestamp;

    /// <summary>Now in milliseconds, never the same twice (a signature covers only the timestamp, and a pair is accepted once).</summary>
    public string UniqueNowMs()
    {
        long last, next;
        do
        {
            last = Interlocked.Read(ref _lastTimestamp);
            next = Math.Max(Now.ToUnixTimeMilliseconds(), last + 1);
        } while (Interlocked.CompareExchange(ref _lastTimestamp, next, last) != last);
        return next.ToString(CultureInfo.InvariantCulture);
    }

    public static string CardClickBody(string dingTalkUserId, long clueId, int version, string action, string? note = null, string? outTrackId = null)
    {
        var ps = new Dictionary<string, string> { ["action"] = action, ["clueId"] = clueId.ToString(CultureInfo.InvariantCulture), ["version"] = version.ToString(CultureInfo.InvariantCulture) };
        if (note is not null) ps["note"] = note;
        var content = JsonSerializer.Serialize(new { cardPrivateData = new { actionIds = new[] { "btn_" + action }, @params = ps } });
        return JsonSerializer.Serialize(new { type = "actionCallback", outTrackId = outTrackId ?? $"clue-{clueId}", corpId = "dingcorp", userId = dingTalkUserId, content });
    }

    /// <summary>A robot message in HTTP mode (facts §5.5), signed with the AppSecret; returns the reply's markdown text.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string? Text)> AskAsync(string? senderDingTalkId, string text, string conversationId = "cid-1to1", bool group = false,
        string? secret = null, string? msgId = null)
    {
        var ts = UniqueNowMs();
        var body = RobotBody(senderDingTalkId, text, conversationId, group, msgId);
        var (status, reply) = await SendRobotAsync(body, ts, DingTalkCallbackCrypto.ComputeRobotSign(secret ?? AppSecret, ts));
        if (status != System.Net.HttpStatusCode.OK) return (status, null);
        var json = JsonDocument.Parse(reply).RootElement;
        Assert.Equal("markdown", json.GetProperty("msgtype").GetString());
        return (status, json.GetProperty("markdown").GetProperty("text").GetString());
    }

    public static string RobotBody(string? senderDingTalkId, string text, string conversationId = "cid-1to1", bool group = false, string? msgId = null) =>
        JsonSerializer.Serialize(new
        {
            conversationId, conversationType = group ? "2" : "1", msgId = msgId ?? Guid.NewGuid().ToString("N"), msgtype = "text",
            text = new { content = text }, senderStaffId = senderDingTalkId, senderNick = "x", isInAtList = true,
        });

    /// <summary>One robot callback request with these headers; the status and the raw reply.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Text)> SendRobotAsync(string body, string timestamp, string sign)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/robot") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("timestamp", timestamp);
        request.Headers.Add("sign", sign);
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>An event push as DingTalk sends it (facts §1.2): the plaintext encrypted with the V1 secrets, signed.</summary>
    public async Task<HttpResponseMessage> PushEventAsync(string plaintext, string? timestamp = null, Func<string, string>? tamperSignature = null)
    {
        var ts = timestamp ?? NowMs();
        const string nonce = "A7Co0cJLMzIDtMMI";
        var encrypt = DingTalkCallbackCrypto.Encrypt(AesKey, AppKey, plaintext, "abcdefghijklmnop");
        var signature = DingTalkCallbackCrypto.ComputeSignature(Token, ts, nonce, encrypt);
        if (tamperSignature is not null) signature = tamperSignature(signature);
        return await Client.PostAsJsonAsync($"/dingtalk/events?signature={signature}&timestamp={ts}&nonce={nonce}", new { encrypt });
    }
}
