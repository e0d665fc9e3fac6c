using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Callbacks;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Grid;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace SchoolSafety.IntegrationTests.Grid;

/// <summary>
/// The Callbacks host in memory on the test database with the four platforms' gateway played by WireMock, the push
/// secret set, DingTalk offline (its calls recorded in memory) and a fast outbox; the demo district loaded. One per class.
/// </summary>
public class GridHost : IAsyncLifetime
{
    public const string Secret = "four-platforms-test-secret-0123456789";
    public const string ApiKey = "gateway-key-1";

    public TestDatabase Db { get; } = new();
    public WireMockServer Gateway { get; } = WireMockServer.Start();
    public WebApplicationFactory<CallbacksEntryPoint> Factory { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    /// <summary>Real time unless a test sets <see cref="Offset"/> (signatures are made with the host's time).</summary>
    public TimeSpan Offset { get; set; }
    public DateTimeOffset Now => DateTimeOffset.UtcNow + Offset;

    public T Get<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    public ClueService Clues => Get<ClueService>();

    public RecordingDingTalkClient DingTalk => Get<RecordingDingTalkClient>();

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        Factory = new WebApplicationFactory<CallbacksEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment(EnvironmentName);
            b.UseSetting("ConnectionStrings:SchoolSafety", Db.ConnectionString);
            b.UseSetting("DingTalk:OfflineLogPath", "");
            b.UseSetting("Inbox:RunWorker", "false");
            b.UseSetting("FourPlatforms:BaseUrl", Gateway.Url + "/gw/");
            b.UseSetting("FourPlatforms:ApiKey", ApiKey);
            b.UseSetting("FourPlatforms:PushSecret", Secret);
            b.UseSetting("FourPlatforms:CallbackUrl", "https://xiaoan.example.gov.cn/four-platforms/pushes");
            b.UseSetting("FourPlatforms:PhotoBaseUrl", "https://xiaoan.example.gov.cn");
            b.UseSetting("FourPlatforms:FieldMap:clueNumber", "bizNo");
            b.UseSetting("FourPlatforms:FieldMap:school", "location.schoolName");
            b.UseSetting("FourPlatforms:FieldMap:location", "location.address");
            b.UseSetting("FourPlatforms:FieldMap:latitude", "");
            b.UseSetting("FourPlatforms:ExtraFields:sourceSystem", "xiaoan");
            b.UseSetting("FourPlatforms:EventIdField", "data.eventId");
            b.UseSetting("Outbox:BaseBackoff", "00:00:00.020");
            b.UseSetting("Outbox:MaxBackoff", "00:00:00.050");
            b.UseSetting("Outbox:MaxAttempts", "4");
            b.UseSetting("Outbox:DeadAfter", "00:00:00");   // a row is buried by its attempts alone here (the 72-hour rule: OutboxOutageTests)
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new HostClock(this)));
            Configure(b);
        });
        Client = Factory.CreateClient();
        await Db.ResetAsync();
        await Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    protected virtual string EnvironmentName => "Testing";

    /// <summary>Further settings and services of a derived fixture (applied last, so they win).</summary>
    protected virtual void Configure(IWebHostBuilder builder) { }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        Gateway.Stop();
        Gateway.Dispose();
        await Db.DisposeAsync();
    }

    private sealed class HostClock(GridHost host) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => host.Now;
    }

    // ---------------------------------------------------------------- clues

    public async Task<long> UserAsync(string dingTalkUserId) =>
        await ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = @d", new { d = dingTalkUserId });

    public async Task<ActionOutcome> ActAsync(ActionOutcome on, ClueAction action, long user, string? note = null)
    {
        var outcome = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = on.ClueId, Action = action, Version = on.Version!.Value, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = ActorRef.User(user), Note = note,
        });
        Assert.True(outcome.Succeeded, $"{action}: {outcome.Kind} {outcome.Message}");
        return outcome;
    }

    /// <summary>A police-line clue of demo school 1, escalated to the district, proposed for dispatch and approved by the head.</summary>
    public async Task<ActionOutcome> ApprovedDispatchAsync()
    {
        var reporter = await UserAsync("demo-school01-officer");
        var c = await Clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = reporter, ItemNo = 4, Description = "校门口有无证摊贩占道经营，放学时段拥堵", IdempotencyKey = Guid.NewGuid().ToString(),
            Attachments = ["0123456789abcdef0123456789abcdef"],
        });
        Assert.True(c.Succeeded, c.Message);
        var member = await ScalarAsync<long>("""
            SELECT m.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        var townHead = await ScalarAsync<long>("""
            SELECT mh.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
              JOIN memberships mh ON mh.unit_id = m.unit_id AND mh.role = 'UnitHead'
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        var district = await UserAsync("demo-POL-handler");
        var head = await UserAsync("demo-POL-head");
        c = await ActAsync(c, ClueAction.Accept, member);
        c = await ActAsync(c, ClueAction.Escalate, member, "需区级处置");   // a request (approval is on by default)
        c = await ActAsync(c, ClueAction.ApproveEscalation, townHead, "同意");
        c = await ActAsync(c, ClueAction.Accept, district);
        c = await ActAsync(c, ClueAction.ProposeDispatch, district, "需镇街协同");
        return await ActAsync(c, ClueAction.ApproveDispatch, head);
    }

    /// <summary>Sends due outbox rows until none is left or the time is up.</summary>
    public Task<OutboxRunReport> DrainAsync(double seconds = 10) =>
        Get<OutboxDispatcher>().DrainAsync(TimeSpan.FromSeconds(seconds), CancellationToken.None);

    public Task<OutboxRunReport> DispatchOnceAsync() => Get<OutboxDispatcher>().DispatchOnceAsync(CancellationToken.None);

    public async Task<ClueRow> ClueAsync(long id)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return await Get<ClueStore>().GetAsync(conn, null, id, CancellationToken.None) ?? throw new InvalidOperationException("no clue");
    }

    public Task<List<string>> TimelineAsync(long id) =>
        QueryAsync<string>("SELECT CONCAT(action, ':', to_state, ':', COALESCE(note, '')) FROM clue_events WHERE clue_id = @id ORDER BY id", new { id });

    public Task<T> ScalarAsync<T>(string sql, object? args = null) => Db.ScalarAsync<T>(sql, args);

    public Task<List<T>> QueryAsync<T>(string sql, object? args = null) => Db.QueryAsync<T>(sql, args);

    // ---------------------------------------------------------------- pushes

    /// <summary>A push as the platforms send it: the body signed over the timestamp (now, unless given).</summary>
    public async Task<HttpResponseMessage> PushAsync(string body, string? timestamp = null, string? secret = null, string? signature = null)
    {
        var ts = timestamp ?? GridSignature.Timestamp(Now);
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/four-platforms/pushes") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(GridSignature.TimestampHeader, ts);
        request.Headers.Add(GridSignature.SignatureHeader, signature ?? GridSignature.Compute(secret ?? Secret, ts, bytes));
        return await Client.SendAsync(request);
    }

    public static string Push(string pushId, string eventId, string kind, string? stage = null, string? note = null, string? clueNumber = null) =>
        System.Text.Json.JsonSerializer.Serialize(new { pushId, eventId, clueNumber, kind, stage, note, handledBy = "临平街道指挥室" });

    public static string Unix(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
