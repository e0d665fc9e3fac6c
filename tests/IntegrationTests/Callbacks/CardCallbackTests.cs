using System.Net;
using System.Text.Json;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Callbacks;

[Collection(DatabaseCollection.Name)]
public sealed class CardCallbackTests(CallbacksHost host) : IClassFixture<CallbacksHost>
{
    private static string Shared(JsonElement reply, string key) => CallbacksHost.SharedValue(reply, key);
    private static string Private(JsonElement reply, string key) => CallbacksHost.PrivateValue(reply, key);

    private Task<(ClueState State, int Version)> RowAsync(long id) =>
        host.QueryAsync<(string, int)>("SELECT state, version FROM clues WHERE id = @id", new { id })
            .ContinueWith(t => (Enum.Parse<ClueState>(t.Result.Single().Item1), t.Result.Single().Item2));

    private Task<long> EventsAsync(long id) => host.ScalarAsync<long>("SELECT COUNT(*) FROM clue_events WHERE clue_id = @id", new { id });

    private Task<List<string>> OutboxAsync(long id) =>
        host.QueryAsync<string>("SELECT CONCAT(topic, ' v', JSON_EXTRACT(payload, '$.version')) FROM outbox WHERE JSON_EXTRACT(payload, '$.clueId') = @id AND topic NOT LIKE 'exchange.%' AND topic NOT LIKE 'todo.%' ORDER BY id", new { id });   // the data exchange's and the to-dos' rows are their tests'

    [Fact]
    public async Task TheRecordedCalls_AreNotServedOutsideDevelopment()
    {
        using var response = await host.Client.GetAsync(SchoolSafety.Callbacks.Simulator.RecordedCallsEndpoints.Path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);   // the host runs in Testing here
    }

    [Fact]
    public async Task Click_HandlerAccepts_StateChangedReplyShowsItAndOtherCopiesQueued()
    {
        var clue = await host.ReportAsync();
        var handler = await host.MemberDingTalkIdAsync(1, "POL");

        var (status, reply) = await host.ClickAsync(handler, clue.ClueId, 1, "accept");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("处置中", Shared(reply, "state"));
        Assert.Equal("2", Shared(reply, "version"));
        Assert.Contains(" 签收 · ", Shared(reply, "lastAction"));
        Assert.Equal("已签收", Private(reply, "notice"));
        Assert.Equal("false", Private(reply, "btn_accept"));
        Assert.Equal("true", Private(reply, "btn_resolve"));
        Assert.Equal("true", Private(reply, "btn_escalate"));
        Assert.Equal("true", Private(reply, "needsNote"));
        Assert.True(reply.GetProperty("cardUpdateOptions").GetProperty("updateCardDataByKey").GetBoolean());
        Assert.Equal((ClueState.InProgress, 2), await RowAsync(clue.ClueId));
        Assert.Equal(["clue.card.deliver v1", "clue.group.notice v1", "clue.card.update v2"], await OutboxAsync(clue.ClueId));
    }

    [Fact]
    public async Task Click_ByReporterWhoMayNotAccept_PrivateNoPermissionNotice_NothingChanged()
    {
        var clue = await host.ReportAsync();

        var (status, reply) = await host.ClickAsync("demo-school01-officer", clue.ClueId, 1, "accept");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(reply.TryGetProperty("cardData", out _));
        Assert.Equal("无权操作", Private(reply, "notice"));
        Assert.Equal((ClueState.PendingAcceptance, 1), await RowAsync(clue.ClueId));
        Assert.Equal(1, await EventsAsync(clue.ClueId));
        Assert.Equal(["clue.card.deliver v1", "clue.group.notice v1"], await OutboxAsync(clue.ClueId));
    }

    [Fact]
    public async Task Click_UnknownDingTalkUser_NoPermission_NothingChanged()
    {
        var clue = await host.ReportAsync();
        var (_, reply) = await host.ClickAsync("someone-else", clue.ClueId, 1, "accept");
        Assert.Equal("无权操作", Private(reply, "notice"));
        Assert.Equal((ClueState.PendingAcceptance, 1), await RowAsync(clue.ClueId));
    }

    [Fact]
    public async Task Click_StaleCard_RefreshedWithCurrentStateAndNotice()
    {
        var clue = await host.ReportAsync();
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        await host.ClickAsync(handler, clue.ClueId, 1, "accept");

        var head = await host.ScalarAsync<string>("""
            SELECT u.dingtalk_user_id FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.role = 'UnitHead' AND m.unit_id = (SELECT unit_id FROM clues WHERE id = @id)
            """, new { id = clue.ClueId });
        await host.ScalarAsync<long>("""
            INSERT INTO card_copies (clue_id, user_id, out_track_id, delivered_at)
            SELECT @id, id, CONCAT('clue-', @id), UTC_TIMESTAMP(6) FROM users WHERE dingtalk_user_id = @head; SELECT ROW_COUNT();
            """, new { id = clue.ClueId, head });   // the head holds a copy too
        var (_, reply) = await host.ClickAsync(head, clue.ClueId, 1, "accept");   // the head's copy still shows version 1

        Assert.Equal("处置中", Shared(reply, "state"));
        Assert.Equal("2", Shared(reply, "version"));
        Assert.Contains("已被他人更新", Private(reply, "notice"));
        Assert.Equal("false", Private(reply, "btn_accept"));
        Assert.Equal("true", Private(reply, "btn_resolve"));    // a unit head may resolve the unit's clue
        Assert.Equal((ClueState.InProgress, 2), await RowAsync(clue.ClueId));
        Assert.Equal(2, await EventsAsync(clue.ClueId));
    }

    [Fact]
    public async Task Click_Repeated_ChangesNothingTheSecondTime()
    {
        var clue = await host.ReportAsync();
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        await host.ClickAsync(handler, clue.ClueId, 1, "accept");

        var (_, again) = await host.ClickAsync(handler, clue.ClueId, 1, "accept");

        Assert.Equal("该操作已处理（已签收）", Private(again, "notice"));
        Assert.Equal("2", Shared(again, "version"));
        Assert.Equal((ClueState.InProgress, 2), await RowAsync(clue.ClueId));
        Assert.Equal(2, await EventsAsync(clue.ClueId));
        Assert.Equal(1, (await OutboxAsync(clue.ClueId)).Count(t => t.StartsWith("clue.card.update")));
    }

    [Fact]
    public async Task Click_EscalateWithEmptyNote_Refused_ThenWithReason_HeadApprovesFromTheirCard_NextHandlerGetsTheirs()
    {
        var clue = await host.ReportAsync();
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        await host.ClickAsync(handler, clue.ClueId, 1, "accept");

        var (_, empty) = await host.ClickAsync(handler, clue.ClueId, 2, "escalate", note: "  ");
        Assert.Equal("请填写上报上级的原因", Private(empty, "notice"));
        Assert.False(empty.TryGetProperty("cardData", out _));
        Assert.Equal((ClueState.InProgress, 2), await RowAsync(clue.ClueId));

        // Escalation approval is on by default: the press is a request, and the unit's head gets an approval card.
        var (_, asked) = await host.ClickAsync(handler, clue.ClueId, 2, "escalate", note: "需区公安分局协调");
        Assert.Equal("处置中", Shared(asked, "state"));
        Assert.Equal("已申请上报上级，等待负责人审批", Private(asked, "notice"));
        Assert.Equal("false", Private(asked, "btn_approveEscalation"));   // never the requester's to approve
        var head = await host.ScalarAsync<string>("""
            SELECT u.dingtalk_user_id FROM users u JOIN memberships h ON h.user_id = u.id AND h.role = 'UnitHead'
             WHERE h.unit_id = (SELECT unit_id FROM clues WHERE id = @id)
            """, new { id = clue.ClueId });
        var headId = await host.UserAsync(head);
        var toHead = await host.ScalarAsync<string>(
            "SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.clueId') = @id AND JSON_EXTRACT(payload, '$.version') = 3",
            new { id = clue.ClueId });
        Assert.Equal($"[{headId}]", toHead.Replace(" ", ""));

        var (_, done) = await host.ClickAsync(head, clue.ClueId, 3, "approveEscalation");
        Assert.Equal("待签收", Shared(done, "state"));
        Assert.Equal("区级部门", Shared(done, "tier"));
        Assert.Equal("false", Private(done, "btn_resolve"));
        var deliver = await host.ScalarAsync<string>(
            "SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.clueId') = @id AND JSON_EXTRACT(payload, '$.version') = 4",
            new { id = clue.ClueId });
        var districtHandler = await host.UserAsync("demo-POL-handler");
        Assert.Contains(districtHandler.ToString(), deliver);
    }

    [Theory]
    [InlineData("stale")]
    [InlineData("bad-signature")]
    public async Task Click_BadSignatureOrStaleTimestamp_Unauthorized_NothingChanged(string problem)
    {
        var clue = await host.ReportAsync();
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        var (status, _) = problem == "stale"
            ? await host.ClickAsync(handler, clue.ClueId, 1, "accept", timestamp: DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds().ToString())
            : await host.ClickAsync(handler, clue.ClueId, 1, "accept", secret: "wrong-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal((ClueState.PendingAcceptance, 1), await RowAsync(clue.ClueId));
    }

    [Fact]
    public async Task Renderer_DeliverThenUpdate_OneCardPerClue_CopiesTracked_UpdateShowsNewState()
    {
        var clue = await host.ReportAsync();
        var renderer = host.Get<IOutboxMessageRenderer>();
        var deliverRow = await host.QueryAsync<(long Id, string Payload)>(
            "SELECT id, payload FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.clueId') = @id", new { id = clue.ClueId });

        var delivery = await renderer.RenderAsync(new OutboxEnvelope(deliverRow[0].Id, OutboxTopics.CardDeliver, ClueService.CardKey(clue.ClueId), deliverRow[0].Payload, 1), default);

        var card = Assert.IsType<OutboxDelivery.Card>(delivery).Delivery;
        var handler = await host.MemberDingTalkIdAsync(1, "POL");
        Assert.Equal($"clue-{clue.ClueId}", card.OutTrackId);
        Assert.Equal([handler], card.RobotUserIds);
        Assert.Equal(clue.Number, card.CardParamMap["number"]);
        Assert.Equal("待签收", card.CardParamMap["state"]);
        Assert.Equal("false", card.CardParamMap["btn_accept"]);   // no shared buttons: each holder's are private
        Assert.Equal("true", card.PrivateData![handler]["btn_accept"]);
        Assert.Equal("", card.CardParamMap["notice"]);
        Assert.Equal([await host.UserAsync(handler)], await host.QueryAsync<long>("SELECT user_id FROM card_copies WHERE clue_id = @id", new { id = clue.ClueId }));

        await host.ClickAsync(handler, clue.ClueId, 1, "accept");
        var update = await renderer.RenderAsync(new OutboxEnvelope(0, OutboxTopics.CardUpdate, ClueService.CardKey(clue.ClueId),
            JsonSerializer.Serialize(new ClueRefPayload(clue.ClueId, 2), new JsonSerializerOptions(JsonSerializerDefaults.Web)), 1), default);

        var refresh = Assert.IsType<OutboxDelivery.CardRefresh>(update).Update;
        Assert.Equal($"clue-{clue.ClueId}", refresh.OutTrackId);
        Assert.True(refresh.MergeByKey);
        Assert.Equal("处置中", refresh.CardParamMap["state"]);
        Assert.Equal("false", refresh.CardParamMap["btn_resolve"]);
        Assert.Equal("false", refresh.PrivateData![handler]["btn_accept"]);
        Assert.Equal("true", refresh.PrivateData[handler]["btn_resolve"]);
    }

    [Fact]
    public async Task Renderer_EachHolderSeesOnlyTheirButtons_AfterEveryChange()
    {
        // The handler asks to escalate: the head gets the card with approve/reject, the handler keeps resolve but no approval.
        var clue = await host.ReportAsync(school: 2);
        var handler = await host.MemberDingTalkIdAsync(2, "POL");
        Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> LatestPrivateAsync() => host.LatestPrivateAsync(clue.ClueId);
        Assert.Equal("true", (await LatestPrivateAsync())[handler]["btn_accept"]);
        await host.ClickAsync(handler, clue.ClueId, 1, "accept");
        await host.ClickAsync(handler, clue.ClueId, 2, "escalate", note: "需区级协调");
        var head = await host.ScalarAsync<string>("""
            SELECT u.dingtalk_user_id FROM users u JOIN memberships h ON h.user_id = u.id AND h.role = 'UnitHead'
             WHERE h.unit_id = (SELECT unit_id FROM clues WHERE id = @id)
            """, new { id = clue.ClueId });
        var buttons = await LatestPrivateAsync();
        Assert.Equal(("false", "true"), (buttons[handler]["btn_approveEscalation"], buttons[handler]["btn_resolve"]));
        Assert.Equal(("true", "true"), (buttons[head]["btn_approveEscalation"], buttons[head]["btn_rejectEscalation"]));
        Assert.Equal("true", buttons[head]["needsNote"]);

        await host.ClickAsync(head, clue.ClueId, 3, "rejectEscalation", note: "本所可以处置");
        buttons = await LatestPrivateAsync();
        Assert.Equal("false", buttons[head]["btn_approveEscalation"]);
        Assert.Equal("true", buttons[handler]["btn_resolve"]);
    }

    [Fact]
    public async Task Renderer_UpdateWithoutDeliveredCopy_NothingToSend()
    {
        var clue = await host.ReportAsync();
        var update = await host.Get<IOutboxMessageRenderer>().RenderAsync(new OutboxEnvelope(0, OutboxTopics.CardUpdate, null,
            $$"""{"clueId":{{clue.ClueId}},"version":1}""", 1), default);
        Assert.IsType<OutboxDelivery.Nothing>(update);
    }
}
