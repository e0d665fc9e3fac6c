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

    /// <summary>A card click as DingTalk sends it (facts §4.4), signed with the card secret unless told otherwise.</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Reply)> ClickAsync(string dingTalkUserId, long clueId, int version, string action,
        string? note = null, string? timestamp = null, string? secret = null)
    {
        var body = CardClickBody(dingTalkUserId, clueId, version, action, note);
        var ts = timestamp ?? NowMs();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/cards") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-ddpaas-signature-timestamp", ts);
        request.Headers.Add("x-ddpaas-signature", DingTalkCallbackCrypto.ComputeCardSignature(secret ?? CardSecret, ts));
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static string CardClickBody(string dingTalkUserId, long clueId, int version, string action, string? note = null)
    {
        var ps = new Dictionary<string, string> { ["action"] = action, ["clueId"] = clueId.ToString(CultureInfo.InvariantCulture), ["version"] = version.ToString(CultureInfo.InvariantCulture) };
        if (note is not null) ps["note"] = note;
        var content = JsonSerializer.Serialize(new { cardPrivateData = new { actionIds = new[] { "btn_" + action }, @params = ps } });
        return JsonSerializer.Serialize(new { type = "actionCallback", outTrackId = $"clue-{clueId}", corpId = "dingcorp", userId = dingTalkUserId, content });
    }

    /// <summary>A robot message in HTTP mode (facts §5.5), signed with the AppSecret; returns the reply's markdown text.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string? Text)> AskAsync(string? senderDingTalkId, string text, string conversationId = "cid-1to1", bool group = false, string? secret = null)
    {
        var ts = NowMs();
        var body = JsonSerializer.Serialize(new
        {
            conversationId, conversationType = group ? "2" : "1", msgId = Guid.NewGuid().ToString("N"), msgtype = "text",
            text = new { content = text }, senderStaffId = senderDingTalkId, senderNick = "x", isInAtList = true,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/robot") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("timestamp", ts);
        request.Headers.Add("sign", DingTalkCallbackCrypto.ComputeRobotSign(secret ?? AppSecret, ts));
        using var response = await Client.SendAsync(request);
        if (!response.IsSuccessStatusCode) return (response.StatusCode, null);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("markdown", json.GetProperty("msgtype").GetString());
        return (response.StatusCode, json.GetProperty("markdown").GetProperty("text").GetString());
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
