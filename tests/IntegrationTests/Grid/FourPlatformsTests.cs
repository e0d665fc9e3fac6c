using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Grid;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace SchoolSafety.IntegrationTests.Grid;

[Collection(DatabaseCollection.Name)]
public sealed class FourPlatformsTests(GridHost host) : IClassFixture<GridHost>, IAsyncLifetime
{
    private const string DispatchPath = "/gw/api/dispatches";

    public Task InitializeAsync()
    {
        host.Gateway.Reset();
        host.Offset = TimeSpan.Zero;
        // A gateway that gives each dispatch id one event: EV-<dispatch id>.
        host.Gateway.Given(Request.Create().WithPath(DispatchPath).UsingPost().WithHeader("Authorization", $"Bearer {GridHost.ApiKey}")).AtPriority(100)
            .RespondWith(Response.Create().WithCallback(req => new WireMock.ResponseMessage
            {
                StatusCode = 201,
                BodyData = new WireMock.Util.BodyData
                {
                    BodyAsString = JsonSerializer.Serialize(new { data = new { eventId = "EV-" + req.Headers!["Idempotency-Key"][0] } }),
                    DetectedBodyType = WireMock.Types.BodyType.String,
                },
                Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["Content-Type"] = new("application/json") },
            }));
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The dispatches of this clue the gateway received (earlier tests' rows may still be going out).</summary>
    private List<WireMock.Logging.ILogEntry> Dispatches(ActionOutcome c) =>
        host.Gateway.LogEntries.Where(e => e.RequestMessage.Path == DispatchPath
            && e.RequestMessage.Headers!["Idempotency-Key"][0].StartsWith(c.Number + "-", StringComparison.Ordinal)).ToList();

    private async Task<(ActionOutcome Clue, string EventId)> DispatchedAsync()
    {
        var c = await host.ApprovedDispatchAsync();
        await host.DrainAsync();
        var clue = await host.ClueAsync(c.ClueId);
        Assert.NotNull(clue.GridEventId);
        return (c, clue.GridEventId!);
    }

    private Task<long> CountAsync(string table, long clueId) => host.ScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE clue_id = @clueId", new { clueId });

    private static async Task<string> CodeAsync(HttpResponseMessage r) => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;

    [Fact]
    public async Task Approve_Dispatches_EventIdKept_ProgressOnTimeline_Result_Confirm_Resolves()
    {
        var c = await host.ApprovedDispatchAsync();
        Assert.Null((await host.ClueAsync(c.ClueId)).GridEventId);
        await host.DrainAsync();

        var clue = await host.ClueAsync(c.ClueId);
        var dispatchId = $"{c.Number}-{c.Version}";
        Assert.Equal($"EV-{dispatchId}", clue.GridEventId);
        Assert.Equal((ClueState.DispatchedToGrid, Tier.Grid), (clue.State, clue.Tier));

        // Our shape through the configured mapping, with our idempotency key and our signature.
        var sent = Assert.Single(Dispatches(c)).RequestMessage;
        Assert.Equal(dispatchId, sent.Headers!["Idempotency-Key"][0]);
        var ts = sent.Headers[GridSignature.TimestampHeader][0];
        Assert.Equal(GridSignature.Compute(GridHost.Secret, ts, Encoding.UTF8.GetBytes(sent.Body!)), sent.Headers[GridSignature.SignatureHeader][0]);
        var body = JsonDocument.Parse(sent.Body!).RootElement;
        Assert.Equal(c.Number, body.GetProperty("bizNo").GetString());
        Assert.False(body.TryGetProperty("clueNumber", out _));
        Assert.False(body.TryGetProperty("latitude", out _));
        Assert.Equal("xiaoan", body.GetProperty("sourceSystem").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("location").GetProperty("schoolName").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("town").GetString()));
        Assert.Equal(4, body.GetProperty("itemNo").GetInt32());
        Assert.Contains("无证摊贩", body.GetProperty("description").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("dispatchingUnit").GetString()));
        Assert.EndsWith("+08:00", body.GetProperty("dueAt").GetString());
        Assert.Equal("https://xiaoan.example.gov.cn/four-platforms/pushes", body.GetProperty("callbackUrl").GetString());
        var photo = Assert.Single(body.GetProperty("photos").EnumerateArray()).GetString()!;
        Assert.StartsWith("https://xiaoan.example.gov.cn/api/grid-photos/0123456789abcdef0123456789abcdef?exp=", photo);
        var exp = long.Parse(photo.Split("exp=")[1].Split('&')[0]);
        Assert.True(exp - host.Now.ToUnixTimeSeconds() >= TimeSpan.FromDays(29).TotalSeconds, "photo links outlive the command room's working days");

        // Progress, on the timeline and the card.
        var r = await host.PushAsync(GridHost.Push("P1", clue.GridEventId!, "progress", "town_received", "已受理"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("push.applied", await CodeAsync(r));
        r = await host.PushAsync(GridHost.Push("P2", clue.GridEventId!, "progress", "passed_to_district"));
        Assert.Equal("push.applied", await CodeAsync(r));
        var timeline = await host.TimelineAsync(c.ClueId);
        Assert.Contains(timeline, t => t.StartsWith("GridAccepted:DispatchedToGrid:事件编号 EV-"));
        Assert.Contains("GridProgress:DispatchedToGrid:镇街指挥室已接收（临平街道指挥室）：已受理", timeline);
        Assert.Contains("GridProgress:DispatchedToGrid:镇街指挥室已流转至区县指挥室（临平街道指挥室）", timeline);
        var afterProgress = await host.ClueAsync(c.ClueId);
        Assert.True(await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = @t AND JSON_EXTRACT(payload, '$.version') = @v AND JSON_EXTRACT(payload, '$.clueId') = @id",
            new { t = OutboxTopics.CardUpdate, v = afterProgress.Version, id = c.ClueId }) == 1);

        // The result: pending confirmation, the dispatching unit gets its card.
        r = await host.PushAsync(GridHost.Push("P3", clue.GridEventId!, "result", note: "摊贩已劝离，设置了隔离护栏", clueNumber: c.Number));
        Assert.Equal("push.applied", await CodeAsync(r));
        var pending = await host.ClueAsync(c.ClueId);
        Assert.Equal(ClueState.PendingConfirmation, pending.State);
        var district = await host.UserAsync("demo-POL-handler");
        var head = await host.UserAsync("demo-POL-head");
        var cardTo = await host.QueryAsync<string>("SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = @t AND JSON_EXTRACT(payload, '$.clueId') = @id AND JSON_EXTRACT(payload, '$.reason') = 'grid_result'",
            new { t = OutboxTopics.CardDeliver, id = c.ClueId });
        var users = JsonSerializer.Deserialize<long[]>(Assert.Single(cardTo))!;
        Assert.Contains(district, users);
        Assert.Contains(head, users);

        var confirmed = await host.ActAsync(new ActionOutcome { Kind = OutcomeKind.Applied, ClueId = c.ClueId, Version = pending.Version, Code = "", Message = "" },
            ClueAction.ConfirmResult, district);
        Assert.Equal(ClueState.Resolved, confirmed.State);
        Assert.Equal(3, await host.ScalarAsync<long>("SELECT COUNT(*) FROM grid_pushes WHERE clue_id = @id AND outcome = 'Applied'", new { id = c.ClueId }));
    }

    [Fact]
    public async Task RejectResult_DispatchesAgain_ASecondEventForTheSameClue_TheOldEventIsKeptNotApplied()
    {
        var (c, first) = await DispatchedAsync();
        await host.PushAsync(GridHost.Push("R1", first, "result", note: "已处置"));
        var pending = await host.ClueAsync(c.ClueId);
        var district = await host.UserAsync("demo-POL-handler");
        await host.ActAsync(new ActionOutcome { Kind = OutcomeKind.Applied, ClueId = c.ClueId, Version = pending.Version, Code = "", Message = "" },
            ClueAction.RejectResult, district, "现场仍有摊贩");
        await host.DrainAsync();

        var again = await host.ClueAsync(c.ClueId);
        Assert.Equal(ClueState.DispatchedToGrid, again.State);
        Assert.NotEqual(first, again.GridEventId);
        var sent = Dispatches(c);
        Assert.Equal(2, sent.Count);
        Assert.NotEqual(sent[0].RequestMessage.Headers!["Idempotency-Key"][0], sent[1].RequestMessage.Headers!["Idempotency-Key"][0]);
        Assert.Equal(first, JsonDocument.Parse(sent[1].RequestMessage.Body!).RootElement.GetProperty("previousEventId").GetString());
        Assert.Equal(2, await CountAsync("grid_dispatches", c.ClueId));

        // A late push about the first event: kept and shown, the clue stays where it is.
        var r = await host.PushAsync(GridHost.Push("R2", first, "progress", "handling"));
        Assert.Equal("push.kept", await CodeAsync(r));
        Assert.Equal(again.Version, (await host.ClueAsync(c.ClueId)).Version);
        Assert.Contains(await host.TimelineAsync(c.ClueId), t => t.Contains("【未采纳：该事件不是线索当前的下发事件】正在处置"));
    }

    [Fact]
    public async Task GatewayDownForAWhile_TheDispatchArrivesLaterExactlyOnce()
    {
        host.Gateway.Given(Request.Create().WithPath(DispatchPath).UsingPost()).AtPriority(1).WithTitle("outage")
            .RespondWith(Response.Create().WithStatusCode(503));
        var c = await host.ApprovedDispatchAsync();
        // Two attempts during the outage (and whatever else the approval queued).
        for (var i = 0; i < 2; i++)
        {
            await host.DispatchOnceAsync();
            await Task.Delay(80);
        }
        Assert.True(Dispatches(c).Count >= 2);
        Assert.Null((await host.ClueAsync(c.ClueId)).GridEventId);
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = 'grid.dispatch' AND sent_at IS NULL AND dead_at IS NULL AND JSON_EXTRACT(payload, '$.clueId') = @id", new { id = c.ClueId }));

        foreach (var m in host.Gateway.MappingModels.Where(m => m.Title == "outage")) host.Gateway.DeleteMapping(m.Guid!.Value);
        await Task.Delay(80);
        await host.DrainAsync();

        var clue = await host.ClueAsync(c.ClueId);
        Assert.Equal($"EV-{c.Number}-{c.Version}", clue.GridEventId);
        var sent = Dispatches(c);
        Assert.All(sent, e => Assert.Equal($"{c.Number}-{c.Version}", e.RequestMessage.Headers!["Idempotency-Key"][0]));
        Assert.Single(sent, e => e.ResponseMessage.StatusCode is 201);
        Assert.Single(await host.TimelineAsync(c.ClueId), t => t.StartsWith("GridAccepted"));
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = 'grid.dispatch' AND sent_at IS NOT NULL AND JSON_EXTRACT(payload, '$.clueId') = @id", new { id = c.ClueId }));
    }

    [Fact]
    public async Task GatewayRefusing_TheClueGoesBackToTheUnit_AndTheUnitAndTheHeadAreTold()
    {
        host.Gateway.Given(Request.Create().WithPath(DispatchPath).UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(422).WithBodyAsJson(new { message = "事发地不在本辖区" }));
        var c = await host.ApprovedDispatchAsync();
        await host.DrainAsync();

        var clue = await host.ClueAsync(c.ClueId);
        Assert.Equal((ClueState.InProgress, Tier.District), (clue.State, clue.Tier));   // back at the dispatching unit, at its own tier
        Assert.Equal(clue.DispatchingUnitId, clue.UnitId);
        Assert.Null(clue.GridEventId);
        Assert.Contains("GridRefused:InProgress:四平台拒收：事发地不在本辖区", await host.TimelineAsync(c.ClueId));
        Assert.Equal("Refused", await host.ScalarAsync<string>("SELECT state FROM grid_dispatches WHERE clue_id = @id", new { id = c.ClueId }));
        Assert.Single(Dispatches(c));   // a refusal is not retried

        // Their card went out to the district handler and the head (DingTalk offline records the delivery).
        var district = await host.UserAsync("demo-POL-handler");
        var head = await host.UserAsync("demo-POL-head");
        var row = Assert.Single(await host.QueryAsync<(string UserIds, DateTime? SentAt)>(
            "SELECT JSON_EXTRACT(payload, '$.userIds') AS UserIds, sent_at AS SentAt FROM outbox WHERE topic = @t AND JSON_EXTRACT(payload, '$.clueId') = @id AND JSON_EXTRACT(payload, '$.reason') = 'grid_refused'",
            new { t = OutboxTopics.CardDeliver, id = c.ClueId }));
        Assert.NotNull(row.SentAt);
        var users = JsonSerializer.Deserialize<long[]>(row.UserIds)!;
        Assert.Contains(district, users);
        Assert.Contains(head, users);
        Assert.Contains(host.DingTalk.Calls, call => call.Target == $"clue-{c.ClueId}" && JsonSerializer.Serialize(call.Body).Contains("demo-POL-head"));
        Assert.Equal(0, await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL"));
    }

    [Fact]
    public async Task GatewayDownThroughEveryAttempt_TheUnitIsTold_TheRowIsDeadWithItsError()
    {
        host.Gateway.Given(Request.Create().WithPath(DispatchPath).UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(502));
        var c = await host.ApprovedDispatchAsync();
        for (var i = 0; i < 8 && Dispatches(c).Count < 4; i++)
        {
            await host.DrainAsync(0.3);
            await Task.Delay(70);
        }
        Assert.Equal(4, Dispatches(c).Count);   // Outbox:MaxAttempts
        var clue = await host.ClueAsync(c.ClueId);
        Assert.Equal(ClueState.InProgress, clue.State);
        Assert.Contains(await host.TimelineAsync(c.ClueId), t => t.StartsWith("GridRefused:InProgress:下发四平台未成功：四平台网关多次无法连接（4 次）"));
        Assert.Equal("Failed", await host.ScalarAsync<string>("SELECT state FROM grid_dispatches WHERE clue_id = @id", new { id = c.ClueId }));
        Assert.Contains("HTTP 502", await host.ScalarAsync<string>("SELECT last_error FROM outbox WHERE topic = 'grid.dispatch' AND dead_at IS NOT NULL AND JSON_EXTRACT(payload, '$.clueId') = @id", new { id = c.ClueId }));
    }

    /// <summary>
    /// Issue 15, kind 6 (found by the crash trials): the gateway down for an hour used up the dispatch's ten attempts (the
    /// back-off is capped at 15 minutes) and the clue went back to its unit as failed, while the outbox keeps every other row
    /// for 72 hours. The dispatch gives up only when its row would be buried: attempts and age both used up.
    /// </summary>
    [Fact]
    public async Task GatewayDown_AttemptsUsedUp_ButYoungerThanDeadAfter_KeepsRetrying_ThenGivesUpWhenTheRowIsBuried()
    {
        host.Gateway.Given(Request.Create().WithPath(DispatchPath).UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(503));
        var c = await host.ApprovedDispatchAsync();
        var (id, payload) = Assert.Single(await host.QueryAsync<(long, string)>(
            "SELECT id, payload FROM outbox WHERE topic = 'grid.dispatch' AND JSON_EXTRACT(payload, '$.clueId') = @id", new { id = c.ClueId }));
        var options = new OutboxOptions { MaxAttempts = 10, DeadAfter = TimeSpan.FromHours(72) };
        var renderer = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<GridDispatchRenderer>(
            host.Factory.Services, Microsoft.Extensions.Options.Options.Create(options));
        var now = host.Now.UtcDateTime;

        // The tenth attempt an hour into the outage: it fails and is retried, the clue stays with the four platforms.
        var tenth = await renderer.RenderAsync(new OutboxEnvelope(id, OutboxTopics.GridDispatch, null, payload, 10, now - TimeSpan.FromHours(1)), default);
        await Assert.ThrowsAsync<GridGatewayException>(() => Assert.IsType<OutboxDelivery.External>(tenth).SendAsync(default));
        Assert.Equal(ClueState.DispatchedToGrid, (await host.ClueAsync(c.ClueId)).State);
        Assert.Equal(0, await CountAsync("grid_dispatches", c.ClueId));

        // Past 72 hours the row is buried with this attempt: then the unit is told.
        var last = await renderer.RenderAsync(new OutboxEnvelope(id, OutboxTopics.GridDispatch, null, payload, 10, now - TimeSpan.FromHours(73)), default);
        await Assert.ThrowsAsync<GridGatewayException>(() => Assert.IsType<OutboxDelivery.External>(last).SendAsync(default));
        Assert.Equal(ClueState.InProgress, (await host.ClueAsync(c.ClueId)).State);
        Assert.Equal("Failed", await host.ScalarAsync<string>("SELECT state FROM grid_dispatches WHERE clue_id = @id", new { id = c.ClueId }));
    }

    [Fact]
    public async Task BadSignature_OldTimestamp_ReplayedPush_AreRefused_AndNothingIsWritten()
    {
        var (c, eventId) = await DispatchedAsync();
        var before = await host.ClueAsync(c.ClueId);
        var events = await CountAsync("clue_events", c.ClueId);
        var body = GridHost.Push("S1", eventId, "progress", "town_received");

        var bad = await host.PushAsync(body, secret: "another-secret-another-secret-000000");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("push.bad_signature", await CodeAsync(bad));
        var old = await host.PushAsync(body, timestamp: GridHost.Unix(host.Now.AddMinutes(-6)));
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal("push.stale_timestamp", await CodeAsync(old));
        var unsigned = await host.Client.PostAsync("/four-platforms/pushes", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        var tampered = await host.PushAsync(body.Replace("town_received", "assigned"), signature: GridSignature.Compute(GridHost.Secret, GridHost.Unix(host.Now), Encoding.UTF8.GetBytes(body)));
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Equal(0, await CountAsync("grid_pushes", c.ClueId));
        Assert.Equal(events, await CountAsync("clue_events", c.ClueId));

        // The same signed request twice: the second is a replay.
        var ts = GridHost.Unix(host.Now);
        Assert.Equal(HttpStatusCode.OK, (await host.PushAsync(body, timestamp: ts)).StatusCode);
        var afterFirst = await host.ClueAsync(c.ClueId);
        var replay = await host.PushAsync(body, timestamp: ts);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal("push.replayed", await CodeAsync(replay));
        Assert.Equal(afterFirst.Version, (await host.ClueAsync(c.ClueId)).Version);
        Assert.Equal(before.Version + 1, afterFirst.Version);
        Assert.Equal(events + 1, await CountAsync("clue_events", c.ClueId));
        Assert.Equal(1, await CountAsync("grid_pushes", c.ClueId));
    }

    [Fact]
    public async Task ThePushTwice_ReSigned_ChangesOnce()
    {
        var (c, eventId) = await DispatchedAsync();
        var body = GridHost.Push("D1", eventId, "result", note: "已整治完毕");
        var first = await host.PushAsync(body, timestamp: GridHost.Unix(host.Now.AddSeconds(-2)));
        Assert.Equal("push.applied", await CodeAsync(first));
        var after = await host.ClueAsync(c.ClueId);
        var events = await CountAsync("clue_events", c.ClueId);
        var second = await host.PushAsync(body);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("push.duplicate", await CodeAsync(second));
        var again = await host.ClueAsync(c.ClueId);
        Assert.Equal((ClueState.PendingConfirmation, after.Version), (again.State, again.Version));
        Assert.Equal(events, await CountAsync("clue_events", c.ClueId));
    }

    [Fact]
    public async Task UnknownEventOrClue_IsRefusedClearly_AndAMalformedPushToo()
    {
        var (c, eventId) = await DispatchedAsync();
        var unknown = await host.PushAsync(GridHost.Push("U1", "EV-NOT-OURS", "progress", "assigned"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var problem = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("push.unknown_event", problem.GetProperty("code").GetString());
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", problem.GetProperty("title").GetString());
        var wrongClue = await host.PushAsync(GridHost.Push("U2", eventId, "progress", "assigned", clueNumber: "XA20990101-0001"));
        Assert.Equal(HttpStatusCode.NotFound, wrongClue.StatusCode);
        Assert.Equal("push.unknown_clue", await CodeAsync(wrongClue));
        var noNote = await host.PushAsync(GridHost.Push("U3", eventId, "result"));
        Assert.Equal(HttpStatusCode.BadRequest, noNote.StatusCode);
        Assert.Equal("push.malformed", await CodeAsync(noNote));
        Assert.Equal(0, await CountAsync("grid_pushes", c.ClueId));
    }

    [Fact]
    public async Task APushWhenTheClueIsNoLongerAtTheFourPlatforms_IsKeptAndShown_NotApplied()
    {
        var (c, eventId) = await DispatchedAsync();
        await host.PushAsync(GridHost.Push("K1", eventId, "result", note: "已处置"));
        var pending = await host.ClueAsync(c.ClueId);
        var late = await host.PushAsync(GridHost.Push("K2", eventId, "result", note: "补充：已回访"));
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal("push.kept", await CodeAsync(late));
        var now = await host.ClueAsync(c.ClueId);
        Assert.Equal((ClueState.PendingConfirmation, pending.Version), (now.State, now.Version));
        Assert.Contains(await host.TimelineAsync(c.ClueId), t => t == "GridProgress:PendingConfirmation:【未采纳：线索当前状态为「待确认」，不在四平台处置中】处置结果（临平街道指挥室）：补充：已回访");
        Assert.Equal("Kept", await host.ScalarAsync<string>("SELECT outcome FROM grid_pushes WHERE push_id = 'K2'"));
    }
}
