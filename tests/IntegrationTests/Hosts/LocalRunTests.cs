using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Callbacks;
using SchoolSafety.Core;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Callbacks;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Hosts;

/// <summary>
/// A local run: the Callbacks host in Development with the run command's DingTalk settings (scripts/local-dingtalk.env)
/// and no DingTalk credentials. The card, robot and event endpoints take requests signed with those secrets; the click
/// is built the way DingTalk builds it, from the recorded delivery and the template's button (cards/clue.json).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class LocalRunTests(TestDatabase db) : IAsyncLifetime
{
    private WebApplicationFactory<CallbacksEntryPoint> _factory = null!;
    private HttpClient _client = null!;

    private static string RepoFile(string relative) => Path.Combine(DeploymentTests.RepoRoot(), relative);

    /// <summary>The settings the run command exports in Development, as configuration keys (<c>DingTalk:CardCallbackSecret</c>).</summary>
    private static Dictionary<string, string> RunSettings() =>
        File.ReadAllLines(RepoFile("scripts/local-dingtalk.env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0].Replace("__", ":", StringComparison.Ordinal), p => p[1]);

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        _factory = new WebApplicationFactory<CallbacksEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.UseSetting("ConnectionStrings:SchoolSafety", db.ConnectionString);
            b.UseSetting("DingTalk:OfflineLogPath", "");
            b.UseSetting("Inbox:RunWorker", "false");
            foreach (var (key, value) in RunSettings()) b.UseSetting(key, value);
        });
        _client = _factory.CreateClient();
        await _factory.Services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<T>(conn, sql) ?? throw new InvalidOperationException("no value");
    }

    private static string NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void TheRunCommandsSecrets_AreTheOnesEveryOtherEnvironmentRefuses()
    {
        var settings = RunSettings();
        foreach (var (key, value) in Deployment.LocalSecrets) Assert.Equal(value, settings[key]);
        Assert.True(DingTalkCallbackCrypto.IsValidAesKey(settings["DingTalk:CallbackAesKey"]));
        Assert.False(settings.ContainsKey("DingTalk:AppKey"));   // the AppSecret alone signs robot messages and keeps the run offline
    }

    [Fact]
    public async Task InDevelopment_WithTheRunCommandsSettings_TheCardEndpointAcceptsAClickSignedAsDingTalkSignsIt()
    {
        var services = _factory.Services;
        var handler = await ScalarAsync<string>("""
            SELECT u.dingtalk_user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id JOIN users u ON u.id = m.user_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        var reporter = await ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = 'demo-school01-officer'");
        var report = await services.GetRequiredService<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = reporter, ItemNo = 4, Description = "校门口有无证摊贩占道经营", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, report.Kind);
        await services.GetRequiredService<OutboxDispatcher>().DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);

        // The delivery as the simulator reads it: the recorded body, with the route key of the run command.
        var calls = await _client.GetFromJsonAsync<JsonElement>("/dev/dingtalk/calls?after=0");
        var create = calls.EnumerateArray().Single(c => c.GetProperty("method").GetString() == "CreateAndDeliverCard");
        Assert.Equal("https://api.dingtalk.com/v1.0/card/instances/createAndDeliver", create.GetProperty("url").GetString());
        var body = create.GetProperty("body");
        Assert.Equal(("HTTP", "schoolsafety-local"), (body.GetProperty("callbackType").GetString(), body.GetProperty("callbackRouteKey").GetString()));
        var shared = body.GetProperty("cardData").GetProperty("cardParamMap");
        var mine = body.GetProperty("privateData").GetProperty(handler).GetProperty("cardParamMap");

        // The handler's visible button, as the template draws it, and the parameters it sends back.
        var editor = JsonNode.Parse(JsonNode.Parse(File.ReadAllText(RepoFile("cards/clue.json")))!["editorData"]!.GetValue<string>())!;
        var visible = editor["schema"]!["componentsTree"]![0]!["children"]!.AsArray()
            .Where(c => c!["componentName"]!.GetValue<string>() == "ButtonBlock")
            .SelectMany(c => c!["props"]!["buttons"]!.AsArray())
            .Where(b => b!["actionType"]!.GetValue<string>() == "request"
                && mine.GetProperty(b["visible"]!["condition"]!["conditions"]![0]!["variable"]!.GetValue<string>()).GetString() == "true")
            .ToDictionary(b => b!["params"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "action")!["value"]!.GetValue<string>(), b => b!);
        Assert.Contains("accept", visible.Keys);
        Assert.DoesNotContain("approveDispatch", visible.Keys);
        var button = visible["accept"];
        var ps = button["params"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p =>
            p!["type"]!.GetValue<string>() == "fixed" ? p["value"]!.GetValue<string>()
            : shared.TryGetProperty(p["variable"]!.GetValue<string>(), out var v) ? v.GetString()! : "");
        Assert.Equal("accept", ps["action"]);
        var content = JsonSerializer.Serialize(new { cardPrivateData = new { actionIds = new[] { button["id"]!.GetValue<string>() }, @params = ps } });
        var click = JsonSerializer.Serialize(new { type = "actionCallback", outTrackId = body.GetProperty("outTrackId").GetString(), corpId = "dinglocal", userId = handler, content });

        var secret = RunSettings()["DingTalk:CardCallbackSecret"];
        var ts = NowMs();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/cards") { Content = new StringContent(click, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-ddpaas-signature-timestamp", ts);
        request.Headers.Add("x-ddpaas-signature", DingTalkCallbackCrypto.ComputeCardSignature(secret, ts));
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("处置中", reply.GetProperty("cardData").GetProperty("cardParamMap").GetProperty("state").GetString());
        Assert.Equal("已签收", reply.GetProperty("userPrivateData").GetProperty("cardParamMap").GetProperty("notice").GetString());

        // The same click signed with another secret is refused.
        var ts2 = NowMs() + "1";
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/cards") { Content = new StringContent(click, Encoding.UTF8, "application/json") };
        forged.Headers.Add("x-ddpaas-signature-timestamp", ts2);
        forged.Headers.Add("x-ddpaas-signature", DingTalkCallbackCrypto.ComputeCardSignature("another-secret", ts2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task InDevelopment_TheRobotAndEventEndpointsTakeRequestsSignedWithTheRunCommandsSecrets()
    {
        var settings = RunSettings();
        var ts = NowMs();
        using var robot = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/robot")
        {
            Content = new StringContent(CallbacksHost.RobotBody("demo-school01-officer", "帮助"), Encoding.UTF8, "application/json"),
        };
        robot.Headers.Add("timestamp", ts);
        robot.Headers.Add("sign", DingTalkCallbackCrypto.ComputeRobotSign(settings["DingTalk:AppSecret"], ts));
        using var answer = await _client.SendAsync(robot);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("markdown", JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("msgtype").GetString());

        const string nonce = "A7Co0cJLMzIDtMMI";
        var encrypt = DingTalkCallbackCrypto.Encrypt(settings["DingTalk:CallbackAesKey"], settings["DingTalk:CallbackOwnerKey"], """{"EventType":"check_url"}""", "abcdefghijklmnop");
        var signature = DingTalkCallbackCrypto.ComputeSignature(settings["DingTalk:CallbackToken"], ts, nonce, encrypt);
        using var push = await _client.PostAsJsonAsync($"/dingtalk/events?signature={signature}&timestamp={ts}&nonce={nonce}", new { encrypt });
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
    }
}
