using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace SchoolSafety.IntegrationTests.DingTalk;

/// <summary>
/// The offline recording (docs/cards.md, "The recording"): each call is kept, in order, in <c>dingtalk_calls</c> with the
/// body byte for byte as the real client puts it on the wire (WireMock sees the real client's), its method, base URL and path.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class RecordingDingTalkClientTests(CoreServices core) : IClassFixture<CoreServices>, IAsyncLifetime, IDisposable
{
    private readonly DingTalkFake _fake = new();
    private readonly CancellationToken _ct = CancellationToken.None;

    public Task InitializeAsync() => core.Db.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;
    public void Dispose() => _fake.Dispose();

    private (DingTalkClient Real, RecordingDingTalkClient Recorder, DingTalkCallStore Store) Clients()
    {
        var o = Options.Create(_fake.Options());
        var store = new DingTalkCallStore(core.Db.DataSource, o);
        var recorder = new RecordingDingTalkClient(Options.Create(_fake.Options(x => x.OfflineLogPath = "")), TimeProvider.System, null, store);
        return (_fake.CreateClient(), recorder, store);
    }

    private void Stub(WireMock.Server.WireMockServer server, string path, string method, object answer) =>
        server.Given(Request.Create().WithPath(path).UsingMethod(method)).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(answer));

    /// <summary>Every kind of call, made once through the given client.</summary>
    private static async Task MakeEveryCallAsync(IDingTalkClient c, CancellationToken ct)
    {
        await c.SendGroupMessageAsync("cid-school-1", RobotMessage.Markdown("新线索上报", "### 新线索上报\n- 编号：XA1"), ct);
        await c.SendUserMessagesAsync(Enumerable.Range(1, 25).Select(i => $"u{i}").ToList(), RobotMessage.Text("催办提醒：请尽快处理。"), ct);
        var shared = new Dictionary<string, string> { ["clueId"] = "7", ["state"] = "待签收", ["excerpt"] = "校门口\"井盖\"缺失 <b>" };
        var mine = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["u1"] = new Dictionary<string, string> { ["btn_accept"] = "true", ["notice"] = "" },
            ["u2"] = new Dictionary<string, string> { ["btn_accept"] = "false", ["notice"] = "" },
        };
        await c.CreateAndDeliverCardAsync(new CardDelivery("schoolsafety.clue", "clue-7", shared, null, ["u1", "u2"], "route-1", mine), ct);
        await c.UpdateCardAsync(new CardUpdate("clue-7", shared, MergeByKey: true, mine), ct);
        await c.RegisterCardCallbackAsync("route-1", "https://cb.example/dingtalk/cards", "api-secret", false, ct);
        await c.SendWorkNotificationAsync(new WorkNotification(["u1", "u2"], WorkMessage.OfMarkdown("提醒", "**请处理**")), ct);
        await c.CreateTodoAsync("un1", new TodoCreate { Subject = "签收线索 XA1", ExecutorIds = ["un1"], DetailUrl = new TodoDetailUrl("dingtalk://a", "https://p"), SourceId = "clue-7-accept" }, ct);
        await c.UpdateTodoAsync("un1", "task-1", new TodoUpdate { Done = true }, ct);
        await c.GetTodoBySourceIdAsync("un1", "clue-7-accept", ct);
    }

    [Fact]
    public async Task EveryCall_IsRecordedInOrder_WithTheBodyMethodAndPathTheRealClientSends()
    {
        Stub(_fake.Api, "/v1.0/robot/groupMessages/send", "POST", new { processQueryKey = "p" });
        Stub(_fake.Api, "/v1.0/robot/oToMessages/batchSend", "POST", new { processQueryKey = "p" });
        Stub(_fake.Api, "/v1.0/card/instances/createAndDeliver", "POST", new { success = true, result = new { outTrackId = "clue-7", deliverResults = Array.Empty<object>() } });
        Stub(_fake.Api, "/v1.0/card/instances", "PUT", new { success = true, result = true });
        Stub(_fake.Api, "/v1.0/card/callbacks/register", "POST", new { success = true, result = new { callbackUrl = "x", apiSecret = "y" } });
        Stub(_fake.Legacy, "/topapi/message/corpconversation/asyncsend_v2", "POST", new { errcode = 0, task_id = 1 });
        Stub(_fake.Api, "/v1.0/todo/users/un1/tasks", "POST", new { id = "task-1", subject = "s", sourceId = "x", done = false });
        Stub(_fake.Api, "/v1.0/todo/users/un1/tasks/task-1", "PUT", new { result = true });
        Stub(_fake.Api, "/v1.0/todo/users/un1/tasks/sources/clue-7-accept", "GET", new { id = "task-1", subject = "s", sourceId = "clue-7-accept", done = false });
        var (real, recorder, store) = Clients();

        await MakeEveryCallAsync(real, _ct);
        await MakeEveryCallAsync(recorder, _ct);

        var sent = _fake.Api.LogEntries.Concat(_fake.Legacy.LogEntries)
            .Where(e => e.RequestMessage.Path != "/v1.0/oauth2/accessToken")
            .OrderBy(e => e.RequestMessage.DateTime).ToList();
        var recorded = await store.ListAsync(0, 100, _ct);
        Assert.Equal(10, sent.Count);   // 25 users are two batch calls
        Assert.Equal(sent.Count, recorded.Count);
        Assert.Equal(recorded.Select(r => r.Id).Order(), recorded.Select(r => r.Id));
        for (var i = 0; i < sent.Count; i++)
        {
            var (wire, row) = (sent[i].RequestMessage, recorded[i]);
            // Byte for byte, Chinese as UTF-8, quotes and markup as the serializer escapes them; a GET sends none (recorded as {}).
            Assert.Equal(wire.Method == "GET" ? "{}" : wire.Body, row.Body);
            Assert.True(wire.Method != "GET" || string.IsNullOrEmpty(wire.Body));
            Assert.Equal(wire.Method, row.HttpMethod);
            Assert.Equal(wire.Path, row.Path.Split('?')[0]);
            var query = string.Join('&', wire.Query!.Where(q => q.Key != "access_token").Select(q => $"{q.Key}={q.Value.Single()}"));
            Assert.Equal(query, row.Path.Contains('?') ? row.Path.Split('?')[1] : "");
            Assert.Equal(wire.Url.Contains("/topapi/") ? _fake.Legacy.Url : _fake.Api.Url, row.BaseUrl);
        }

        var create = recorded.Single(r => r.Api == "card.instances.createAndDeliver");
        Assert.Equal(("CreateAndDeliverCard", "clue-7"), (create.Method, create.Target));
        var body = JsonDocument.Parse(create.Body).RootElement;
        Assert.Equal("schoolsafety.clue", body.GetProperty("cardTemplateId").GetString());
        Assert.Equal("dtv1.card//IM_ROBOT.u1;IM_ROBOT.u2", body.GetProperty("openSpaceId").GetString());
        Assert.Equal("待签收", body.GetProperty("cardData").GetProperty("cardParamMap").GetProperty("state").GetString());
        Assert.Equal("true", body.GetProperty("privateData").GetProperty("u1").GetProperty("cardParamMap").GetProperty("btn_accept").GetString());
        Assert.Equal("false", body.GetProperty("privateData").GetProperty("u2").GetProperty("cardParamMap").GetProperty("btn_accept").GetString());
        Assert.Equal(["u1,u2,u3,u4,u5,u6,u7,u8,u9,u10,u11,u12,u13,u14,u15,u16,u17,u18,u19,u20", "u21,u22,u23,u24,u25"],
            recorded.Where(r => r.Method == "SendUserMessages").Select(r => r.Target));

        // The in-memory list and its JSON lines carry the same exact body.
        var memory = recorder.Calls.Single(c => c.Method == "UpdateCard");
        Assert.Equal(recorded.Single(r => r.Method == "UpdateCard").Body, memory.Body.GetRawText());
        Assert.Equal(("PUT /v1.0/card/instances", "card.instances.update"), (memory.Api, memory.MeteredAs));
    }

    [Fact]
    public async Task ASecondCreateOfOneCard_IsRefusedAsDingTalkDoes_CountedButNotRecorded_EvenByAnotherHostsRecorder()
    {
        var (_, recorder, store) = Clients();
        var usage = core.Get<DingTalkUsage>();
        var other = new RecordingDingTalkClient(Options.Create(_fake.Options(x => x.OfflineLogPath = "")), TimeProvider.System, usage, store);
        var card = new CardDelivery("schoolsafety.clue", "clue-8", new Dictionary<string, string> { ["state"] = "待签收" }, null, ["u1"]);
        await recorder.CreateAndDeliverCardAsync(card, _ct);

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() => other.CreateAndDeliverCardAsync(card with { RobotUserIds = ["u2"] }, _ct));
        Assert.Equal("param.cardAlreadyExist", e.Code);
        Assert.False(e.IsTransient);
        await other.DeliverCardAsync(card with { RobotUserIds = ["u2"] }, _ct);

        Assert.Equal(["CreateAndDeliverCard", "DeliverCard"], (await store.ListAsync(0, 100, _ct)).Select(c => c.Method));
        var used = await usage.ReportAsync(null, _ct);
        Assert.Equal(1, used.ByApi.Single(r => r.Api == "card.instances.createAndDeliver").Calls);   // the refused one; the first had no meter
        // A card of another clue is made as before.
        await other.CreateAndDeliverCardAsync(card with { OutTrackId = "clue-9" }, _ct);

        // Without the table (the benchmarks), the recorder goes by its own creates.
        var alone = new RecordingDingTalkClient(Options.Create(_fake.Options(x => { x.OfflineLogPath = ""; x.OfflineRecordInDatabase = false; })),
            TimeProvider.System, null, store);
        await alone.CreateAndDeliverCardAsync(card, _ct);
        Assert.Equal("param.cardAlreadyExist", (await Assert.ThrowsAsync<DingTalkApiException>(() => alone.CreateAndDeliverCardAsync(card, _ct))).Code);
    }

    [Fact]
    public async Task ListAfter_PagesThroughTheCallsInOrder_AndTheSettingTurnsTheTableOff()
    {
        var (_, recorder, store) = Clients();
        for (var i = 1; i <= 5; i++) await recorder.SendGroupMessageAsync($"cid-{i}", RobotMessage.Text($"第 {i} 条"), _ct);

        var first = await store.ListAsync(0, 2, _ct);
        var rest = await store.ListAsync(first[^1].Id, 100, _ct);
        Assert.Equal(["cid-1", "cid-2"], first.Select(c => c.Target));
        Assert.Equal(["cid-3", "cid-4", "cid-5"], rest.Select(c => c.Target));

        var off = new RecordingDingTalkClient(Options.Create(_fake.Options(x => { x.OfflineLogPath = ""; x.OfflineRecordInDatabase = false; })), TimeProvider.System, null, store);
        await off.SendGroupMessageAsync("cid-6", RobotMessage.Text("不入表"), _ct);
        Assert.Single(off.Calls);
        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        Assert.Equal(5, await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM dingtalk_calls"));
    }
}
