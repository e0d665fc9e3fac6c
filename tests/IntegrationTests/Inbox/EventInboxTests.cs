using System.Net;
using System.Text.Json;
using Dapper;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Inbox;
using SchoolSafety.Core.Organisation;
using SchoolSafety.IntegrationTests.Callbacks;
using SchoolSafety.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace SchoolSafety.IntegrationTests.Inbox;

[Collection(DatabaseCollection.Name)]
public sealed class EventInboxTests(CallbacksHost host) : IClassFixture<CallbacksHost>
{
    private Task<long> RowsAsync(string key) => host.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE event_key = @key", new { key });

    private static string Event(string type, string eventId, string fields = "") =>
        $$"""{"EventType":"{{type}}","EventTime":1663143335567,"CorpId":"dingcorp","BizId":"biz-{{eventId}}","eventId":"{{eventId}}"{{fields}}}""";

    private Task<int> ProcessAsync() => host.Get<InboxProcessor>().ProcessDueAsync(CancellationToken.None);

    /// <summary>A fresh handler of the unit holding demo school 1's police clues (so deactivating them touches no shared demo user).</summary>
    private async Task<(long Id, string DingTalkId, long UnitId)> NewPoliceHandlerAsync()
    {
        var dingTalkId = "tmp-" + Guid.NewGuid().ToString("N")[..12];
        var unit = await host.ScalarAsync<long>("SELECT m.unit_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'");
        var org = host.Get<OrganisationStore>();
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        var id = await org.UpsertUserAsync(conn, null, dingTalkId, null, "临时处置人", null, default);
        await org.AddMembershipAsync(conn, null, id, Role.Handler, default, unitId: unit);
        return (id, dingTalkId, unit);
    }

    [Fact]
    public async Task CheckUrl_V1Secrets_AnsweredWithEncryptedSuccess_NothingStored()
    {
        var before = await host.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_events");
        using var response = await host.PushEventAsync("""{"EventType":"check_url"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var (sig, ts, nonce, encrypt) = (reply.GetProperty("msg_signature").GetString()!, reply.GetProperty("timeStamp").GetString()!,
            reply.GetProperty("nonce").GetString()!, reply.GetProperty("encrypt").GetString()!);
        Assert.True(DingTalkCallbackCrypto.VerifySignature(CallbacksHost.Token, ts, nonce, encrypt, sig));
        var opened = DingTalkCallbackCrypto.Decrypt(CallbacksHost.AesKey, encrypt, CallbacksHost.AppKey);
        Assert.Equal("success", opened.Message);
        Assert.Equal(before, await host.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_events"));
    }

    [Fact]
    public async Task Event_StoredBeforeTheAnswer_ThenProcessedAndRecorded()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await host.PushEventAsync(Event("attendance_check_record", id));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await RowsAsync(id));
        await ProcessAsync();
        Assert.Equal("recorded", await host.ScalarAsync<string>("SELECT outcome FROM inbox_events WHERE event_key = @id AND processed_at IS NOT NULL", new { id }));
    }

    [Theory]
    [InlineData("bad-signature", HttpStatusCode.Unauthorized)]
    [InlineData("stale", HttpStatusCode.Unauthorized)]
    [InlineData("not-json", HttpStatusCode.BadRequest)]
    [InlineData("no-event-type", HttpStatusCode.BadRequest)]
    public async Task Event_Refused_NoRowWritten(string problem, HttpStatusCode expected)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = problem switch
        {
            "bad-signature" => await host.PushEventAsync(Event("user_add_org", id), tamperSignature: s => new string('0', s.Length)),
            "stale" => await host.PushEventAsync(Event("user_add_org", id), timestamp: DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeMilliseconds().ToString()),
            "not-json" => await host.PushEventAsync("this is not json " + id),
            _ => await host.PushEventAsync($$"""{"eventId":"{{id}}"}"""),
        };
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(0, await RowsAsync(id));
    }

    [Fact]
    public async Task Event_MalformedEnvelope_BadRequest()
    {
        using var response = await host.Client.PostAsync("/dingtalk/events?signature=x&timestamp=1&nonce=n",
            new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ContactLeave_DeliveredThreeTimesConcurrently_ProcessedOnce_UserDeactivated_ClueBeforeUnitHead()
    {
        var leaver = await NewPoliceHandlerAsync();
        var clue = await host.ReportAsync();
        var accepted = await host.Get<ClueService>().ApplyAsync(new ClueCommand
        {
            ClueId = clue.ClueId, Action = ClueAction.Accept, Version = 1, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(leaver.Id),
        });
        Assert.Equal(OutcomeKind.Applied, accepted.Kind);
        var id = Guid.NewGuid().ToString("N");
        var body = Event("user_leave_org", id, $$""","UserId":["{{leaver.DingTalkId}}"]""");

        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => host.PushEventAsync(body)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(1, await RowsAsync(id));
        await Task.WhenAll(ProcessAsync(), ProcessAsync());
        using (var again = await host.PushEventAsync(body)) Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await ProcessAsync();

        Assert.False(await host.ScalarAsync<bool>("SELECT active FROM users WHERE id = @id", new { id = leaver.Id }));
        var notices = await host.QueryAsync<string>(
            "SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = 'clue.user.notice' AND JSON_EXTRACT(payload, '$.kind') = 'assignee_left' AND JSON_EXTRACT(payload, '$.clueId') = @c",
            new { c = clue.ClueId });
        var head = await host.ScalarAsync<long>("SELECT user_id FROM memberships WHERE role = 'UnitHead' AND unit_id = @u", new { u = leaver.UnitId });
        Assert.Equal($"[{head}]", Assert.Single(notices));
        Assert.Equal(1, await RowsAsync(id));
    }

    [Fact]
    public async Task ContactAdd_UserCreatedFromDingTalkDetails()
    {
        var dingTalkId = "new-" + Guid.NewGuid().ToString("N")[..10];
        host.DingTalk.Legacy.Given(Request.Create().WithPath("/topapi/v2/user/get").UsingPost().WithBody(b => b is not null && b.Contains(dingTalkId)))
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { errcode = 0, errmsg = "ok", result = new { userid = dingTalkId, unionid = "u-" + dingTalkId, name = "新同事", mobile = "13900000000" } }));
        var id = Guid.NewGuid().ToString("N");
        using var response = await host.PushEventAsync(Event("user_add_org", id, $$""","UserId":["{{dingTalkId}}"]"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Equal(1, await ProcessAsync());

        var user = (await host.QueryAsync<(string Name, bool Active, string? UnionId)>("SELECT name, active, union_id FROM users WHERE dingtalk_user_id = @d", new { d = dingTalkId })).Single();
        Assert.Equal(("新同事", true, "u-" + dingTalkId), user);   // the unionId DingTalk to-dos are addressed by
    }

    [Fact]
    public async Task ContactModify_OfAnAccountDeactivatedHere_UpdatesTheProfile_ButKeepsItDeactivated()
    {
        var (userId, dingTalkId, _) = await NewPoliceHandlerAsync();
        await host.ScalarAsync<long>("UPDATE users SET active = 0 WHERE id = @userId; SELECT ROW_COUNT()", new { userId });   // deactivated by their liaison
        host.DingTalk.Legacy.Given(Request.Create().WithPath("/topapi/v2/user/get").UsingPost().WithBody(b => b is not null && b.Contains(dingTalkId)))
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { errcode = 0, errmsg = "ok", result = new { userid = dingTalkId, unionid = "u-" + dingTalkId, name = "改名后", mobile = "13900000001" } }));
        using var response = await host.PushEventAsync(Event("user_modify_org", Guid.NewGuid().ToString("N"), $$""","UserId":["{{dingTalkId}}"]"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Equal(1, await ProcessAsync());

        var user = (await host.QueryAsync<(string Name, bool Active, string? UnionId)>("SELECT name, active, union_id FROM users WHERE id = @userId", new { userId })).Single();
        Assert.Equal(("改名后", false, "u-" + dingTalkId), user);   // an account made by hand gets its unionId from the sync
    }

    [Theory]
    [InlineData("user_add_org")]
    [InlineData("user_active_org")]
    public async Task ContactJoin_OfAnAccountAnAdministratorDeactivated_KeepsItDeactivated_ButALeaverWhoReturnsIsBack(string joinEvent)
    {
        var (userId, dingTalkId, _) = await NewPoliceHandlerAsync();
        var admin = await host.UserAsync("demo-edu-admin");
        var deactivated = await host.Get<SchoolSafety.Core.Administration.AdminService>().SetAccountActiveAsync(admin, userId, false, default);
        Assert.True(deactivated.IsOk);
        host.DingTalk.Legacy.Given(Request.Create().WithPath("/topapi/v2/user/get").UsingPost().WithBody(b => b is not null && b.Contains(dingTalkId)))
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { errcode = 0, errmsg = "ok", result = new { userid = dingTalkId, name = "临时处置人", mobile = "13900000002" } }));

        using (var r = await host.PushEventAsync(Event(joinEvent, Guid.NewGuid().ToString("N"), $$""","UserId":["{{dingTalkId}}"]""")))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(1, await ProcessAsync());
        Assert.False(await host.ScalarAsync<bool>("SELECT active FROM users WHERE id = @userId", new { userId }));

        // Reactivated by an administrator, then leaving and rejoining in DingTalk: active again.
        Assert.True((await host.Get<SchoolSafety.Core.Administration.AdminService>().SetAccountActiveAsync(admin, userId, true, default)).IsOk);
        using (var r = await host.PushEventAsync(Event("user_leave_org", Guid.NewGuid().ToString("N"), $$""","UserId":["{{dingTalkId}}"]""")))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await host.PushEventAsync(Event(joinEvent, Guid.NewGuid().ToString("N"), $$""","UserId":["{{dingTalkId}}"]""")))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(2, await ProcessAsync());
        Assert.True(await host.ScalarAsync<bool>("SELECT active FROM users WHERE id = @userId", new { userId }));
    }

    [Fact]
    public async Task GroupDisband_WorkGroupUnbound()
    {
        var cid = "cid-" + Guid.NewGuid().ToString("N")[..12];
        var org = host.Get<OrganisationStore>();
        await using (var conn = await host.Db.DataSource.OpenConnectionAsync())
        {
            var town = await conn.ExecuteScalarAsync<long>("SELECT town_id FROM schools ORDER BY id LIMIT 1");
            var school = await org.UpsertSchoolAsync(conn, null, town, "测试小学" + cid, false, 2, default);
            await org.UpsertWorkGroupAsync(conn, null, school, "测试工作组", cid, default);
        }
        var id = Guid.NewGuid().ToString("N");
        using var response = await host.PushEventAsync(Event("chat_disband", id, $$""","OpenConversationId":"{{cid}}" """));

        await ProcessAsync();

        Assert.Equal(0, await host.ScalarAsync<long>("SELECT COUNT(*) FROM work_groups WHERE open_conversation_id = @cid", new { cid }));
        Assert.Equal("unbound 1 work group(s)", await host.ScalarAsync<string>("SELECT outcome FROM inbox_events WHERE event_key = @id", new { id }));
    }

    [Fact]
    public async Task EventWithoutEventId_FallbackKey_RepeatStoredOnce()
    {
        var biz = Guid.NewGuid().ToString("N");
        var body = $$"""{"EventType":"org_dept_modify","EventTime":1663143335999,"CorpId":"dingcorp","BizId":"{{biz}}","DeptId":[1]}""";
        using (var a = await host.PushEventAsync(body)) Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        using (var b = await host.PushEventAsync(body)) Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        var key = InboxEvent.Parse(body)!.Key;
        Assert.StartsWith("fb:", key);
        Assert.Equal(1, await RowsAsync(key));
    }
}
