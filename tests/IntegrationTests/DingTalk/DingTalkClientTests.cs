using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static SchoolSafety.IntegrationTests.DingTalk.DingTalkFake;

namespace SchoolSafety.IntegrationTests.DingTalk;

/// <summary>The real client against WireMock: paths, methods, headers and body field names as in dingtalk-api-facts.md.</summary>
public sealed class DingTalkClientTests : IDisposable
{
    private readonly DingTalkFake _fake = new();
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => _fake.Dispose();

    private void StubApi(string path, object body, int status = 200, string method = "POST") =>
        _fake.Api.Given(Request.Create().WithPath(path).UsingMethod(method))
            .RespondWith(Response.Create().WithStatusCode(status).WithBodyAsJson(body));

    private void StubLegacy(string path, object body) =>
        _fake.Legacy.Given(Request.Create().WithPath(path).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(body));

    [Fact]
    public async Task SendGroupMessage_Markdown_PostsRobotFieldsWithTokenHeader()
    {
        StubApi("/v1.0/robot/groupMessages/send", new { processQueryKey = "pqk-1" });

        var key = await _fake.CreateClient().SendGroupMessageAsync("cid-school-1", RobotMessage.Markdown("新线索", "**校门口**井盖缺失"), _ct);

        Assert.Equal("pqk-1", key);
        var call = Assert.Single(_fake.Calls(_fake.Api, "/v1.0/robot/groupMessages/send"));
        Assert.Equal("POST", call.RequestMessage.Method);
        Assert.Equal("tok-1", Header(call, "x-acs-dingtalk-access-token"));
        var body = Body(call);
        Assert.Equal("dingrobot", body.GetProperty("robotCode").GetString());
        Assert.Equal("cid-school-1", body.GetProperty("openConversationId").GetString());
        Assert.Equal("sampleMarkdown", body.GetProperty("msgKey").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("msgParam").ValueKind);
        var param = JsonDocument.Parse(body.GetProperty("msgParam").GetString()!).RootElement;
        Assert.Equal("新线索", param.GetProperty("title").GetString());
        Assert.Equal("**校门口**井盖缺失", param.GetProperty("text").GetString());
        Assert.Equal(1, _fake.TokenCalls);
        var tokenBody = Body(_fake.Calls(_fake.Api, "/v1.0/oauth2/accessToken")[0]);
        Assert.Equal("dingappkey", tokenBody.GetProperty("appKey").GetString());
        Assert.Equal("app-secret", tokenBody.GetProperty("appSecret").GetString());
    }

    [Fact]
    public async Task SendGroupMessage_ActionCard_SendsSingleTitleAndUrl()
    {
        StubApi("/v1.0/robot/groupMessages/send", new { processQueryKey = "pqk-2" });

        await _fake.CreateClient().SendGroupMessageAsync("cid-1", RobotMessage.ActionCard("标题", "正文", "查看详情", "dingtalk://open"), _ct);

        var body = Body(Assert.Single(_fake.Calls(_fake.Api, "/v1.0/robot/groupMessages/send")));
        Assert.Equal("sampleActionCard", body.GetProperty("msgKey").GetString());
        var param = JsonDocument.Parse(body.GetProperty("msgParam").GetString()!).RootElement;
        Assert.Equal("查看详情", param.GetProperty("singleTitle").GetString());
        Assert.Equal("dingtalk://open", param.GetProperty("singleURL").GetString());
    }

    [Fact]
    public async Task SendUserMessages_45Users_SplitsIntoBatchesOfAtMost20()
    {
        StubApi("/v1.0/robot/oToMessages/batchSend", new { processQueryKey = "k", invalidStaffIdList = new[] { "bad" }, flowControlledStaffIdList = Array.Empty<string>() });
        var users = Enumerable.Range(1, 45).Select(i => $"u{i}").ToList();

        var result = await _fake.CreateClient().SendUserMessagesAsync(users, RobotMessage.Text("催办"), _ct);

        var calls = _fake.Calls(_fake.Api, "/v1.0/robot/oToMessages/batchSend");
        Assert.Equal([20, 20, 5], calls.Select(c => Body(c).GetProperty("userIds").GetArrayLength()).Order().Reverse().ToArray());
        var sent = calls.SelectMany(c => Body(c).GetProperty("userIds").EnumerateArray().Select(u => u.GetString()!)).Order().ToList();
        Assert.Equal(users.Order().ToList(), sent);
        Assert.All(calls, c =>
        {
            Assert.Equal("tok-1", Header(c, "x-acs-dingtalk-access-token"));
            Assert.Equal("dingrobot", Body(c).GetProperty("robotCode").GetString());
            Assert.Equal("sampleText", Body(c).GetProperty("msgKey").GetString());
        });
        Assert.Equal(3, result.ProcessQueryKeys.Count);
        Assert.Equal(3, result.InvalidUserIds.Count);
    }

    [Fact]
    public async Task CreateAndDeliverCard_GroupAndUsers_SendsSpacesAndModels()
    {
        StubApi("/v1.0/card/instances/createAndDeliver", new
        {
            success = true,
            result = new
            {
                outTrackId = "clue-7-v1",
                deliverResults = new object[]
                {
                    new { spaceType = "IM_GROUP", spaceId = "cid-1", success = true, carrierId = "c1" },
                    new { spaceType = "IM_ROBOT", spaceId = "u1", success = true, carrierId = "c2" },
                },
            },
        });
        var card = new CardDelivery("tpl.schema", "clue-7-v1", new Dictionary<string, string> { ["status"] = "待签收", ["count"] = "1" },
            "cid-1", ["u1"], CallbackRouteKey: "schoolsafety");

        var result = await _fake.CreateClient().CreateAndDeliverCardAsync(card, _ct);

        Assert.True(result.AllDelivered);
        var call = Assert.Single(_fake.Calls(_fake.Api, "/v1.0/card/instances/createAndDeliver"));
        Assert.Equal("tok-1", Header(call, "x-acs-dingtalk-access-token"));
        var body = Body(call);
        Assert.Equal("tpl.schema", body.GetProperty("cardTemplateId").GetString());
        Assert.Equal("clue-7-v1", body.GetProperty("outTrackId").GetString());
        Assert.Equal("dtv1.card//IM_GROUP.cid-1;IM_ROBOT.u1", body.GetProperty("openSpaceId").GetString());
        Assert.Equal("待签收", body.GetProperty("cardData").GetProperty("cardParamMap").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("cardData").GetProperty("cardParamMap").GetProperty("count").ValueKind);
        Assert.Equal("HTTP", body.GetProperty("callbackType").GetString());
        Assert.Equal("schoolsafety", body.GetProperty("callbackRouteKey").GetString());
        Assert.Equal(1, body.GetProperty("userIdType").GetInt32());
        Assert.False(body.GetProperty("imGroupOpenSpaceModel").GetProperty("supportForward").GetBoolean());
        Assert.Equal("dingrobot", body.GetProperty("imGroupOpenDeliverModel").GetProperty("robotCode").GetString());
        Assert.Equal("IM_ROBOT", body.GetProperty("imRobotOpenDeliverModel").GetProperty("spaceType").GetString());
        Assert.Equal("dingrobot", body.GetProperty("imRobotOpenDeliverModel").GetProperty("robotCode").GetString());
        Assert.True(body.TryGetProperty("imRobotOpenSpaceModel", out _));
    }

    [Fact]
    public async Task CreateAndDeliverCard_OneSpaceFailsIn200_ReportsThatSpace()
    {
        StubApi("/v1.0/card/instances/createAndDeliver", new
        {
            success = true,
            result = new
            {
                outTrackId = "clue-8-v1",
                deliverResults = new object[]
                {
                    new { spaceType = "IM_ROBOT", spaceId = "u1", success = true, carrierId = "c1" },
                    new { spaceType = "IM_ROBOT", spaceId = "u2", success = false, errorMsg = "user not in org" },
                },
            },
        });
        var card = new CardDelivery("tpl", "clue-8-v1", new Dictionary<string, string> { ["s"] = "1" }, null, ["u1", "u2"]);

        var result = await _fake.CreateClient().CreateAndDeliverCardAsync(card, _ct);

        Assert.False(result.AllDelivered);
        var failed = Assert.Single(result.Failed);
        Assert.Equal("u2", failed.SpaceId);
        Assert.Equal("user not in org", failed.ErrorMsg);
        var body = Body(Assert.Single(_fake.Calls(_fake.Api, "/v1.0/card/instances/createAndDeliver")));
        Assert.Equal("STREAM", body.GetProperty("callbackType").GetString());
        Assert.False(body.TryGetProperty("imGroupOpenDeliverModel", out var g) && g.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task DeliverCard_ExistingCard_PostsSpacesAndDeliverModelsOnly()
    {
        StubApi("/v1.0/card/instances/deliver", new
        {
            success = true,
            result = new object[] { new { spaceType = "IM_ROBOT", spaceId = "u2", success = false, errorMsg = "robot not in chat" } },
        });
        var card = new CardDelivery("tpl", "clue-8-v1", new Dictionary<string, string> { ["s"] = "1" }, "cid-9", ["u2"]);

        var result = await _fake.CreateClient().DeliverCardAsync(card, _ct);

        Assert.Equal("u2", Assert.Single(result.Failed).SpaceId);
        var call = Assert.Single(_fake.Calls(_fake.Api, "/v1.0/card/instances/deliver"));
        Assert.Equal("tok-1", Header(call, "x-acs-dingtalk-access-token"));
        var body = Body(call);
        Assert.Equal("clue-8-v1", body.GetProperty("outTrackId").GetString());
        Assert.Equal("dtv1.card//IM_GROUP.cid-9;IM_ROBOT.u2", body.GetProperty("openSpaceId").GetString());
        Assert.Equal("dingrobot", body.GetProperty("imGroupOpenDeliverModel").GetProperty("robotCode").GetString());
        Assert.Equal("IM_ROBOT", body.GetProperty("imRobotOpenDeliverModel").GetProperty("spaceType").GetString());
        Assert.False(body.TryGetProperty("cardData", out _));
        Assert.False(body.TryGetProperty("cardTemplateId", out _));
    }

    [Fact]
    public async Task UpdateCard_MergeByKey_PutsCardDataAndOptions()
    {
        StubApi("/v1.0/card/instances", new { success = true, result = true }, method: "PUT");

        await _fake.CreateClient().UpdateCardAsync(new CardUpdate("clue-7-v1", new Dictionary<string, string> { ["status"] = "处置中" }), _ct);

        var call = Assert.Single(_fake.Calls(_fake.Api, "/v1.0/card/instances"));
        Assert.Equal("PUT", call.RequestMessage.Method);
        Assert.Equal("tok-1", Header(call, "x-acs-dingtalk-access-token"));
        var body = Body(call);
        Assert.Equal("clue-7-v1", body.GetProperty("outTrackId").GetString());
        Assert.Equal("处置中", body.GetProperty("cardData").GetProperty("cardParamMap").GetProperty("status").GetString());
        Assert.True(body.GetProperty("cardUpdateOptions").GetProperty("updateCardDataByKey").GetBoolean());
        Assert.True(body.GetProperty("cardUpdateOptions").GetProperty("updatePrivateDataByKey").GetBoolean());
    }

    [Fact]
    public async Task RegisterCardCallback_PostsRouteUrlSecretAndForceFlag()
    {
        StubApi("/v1.0/card/callbacks/register", new { success = true, result = new { callbackUrl = "https://x/cb", apiSecret = "s3" } });

        var route = await _fake.CreateClient().RegisterCardCallbackAsync("schoolsafety", "https://x/cb", "s3", forceUpdate: true, _ct);

        Assert.Equal("https://x/cb", route.CallbackUrl);
        var body = Body(Assert.Single(_fake.Calls(_fake.Api, "/v1.0/card/callbacks/register")));
        Assert.Equal("schoolsafety", body.GetProperty("callbackRouteKey").GetString());
        Assert.Equal("https://x/cb", body.GetProperty("callbackUrl").GetString());
        Assert.Equal("s3", body.GetProperty("apiSecret").GetString());
        Assert.True(body.GetProperty("forceUpdate").GetBoolean());
    }

    [Fact]
    public async Task SendWorkNotification_Markdown_PostsLegacyWithTokenInQuery()
    {
        StubLegacy("/topapi/message/corpconversation/asyncsend_v2", new { errcode = 0, errmsg = "ok", task_id = 256271667526L, request_id = "r" });

        var taskId = await _fake.CreateClient().SendWorkNotificationAsync(
            new WorkNotification(["u1", "u2"], WorkMessage.OfMarkdown("逾期提醒", "线索 XA-1 已逾期")), _ct);

        Assert.Equal(256271667526L, taskId);
        var call = Assert.Single(_fake.Calls(_fake.Legacy, "/topapi/message/corpconversation/asyncsend_v2"));
        Assert.Equal("POST", call.RequestMessage.Method);
        Assert.Equal("tok-1", Query(call, "access_token"));
        Assert.Null(Header(call, "x-acs-dingtalk-access-token"));
        var body = Body(call);
        Assert.Equal(4242, body.GetProperty("agent_id").GetInt64());
        Assert.Equal("u1,u2", body.GetProperty("userid_list").GetString());
        Assert.Equal("markdown", body.GetProperty("msg").GetProperty("msgtype").GetString());
        Assert.Equal("逾期提醒", body.GetProperty("msg").GetProperty("markdown").GetProperty("title").GetString());
        Assert.Equal("线索 XA-1 已逾期", body.GetProperty("msg").GetProperty("markdown").GetProperty("text").GetString());
    }

    [Fact]
    public async Task SendWorkNotification_ActionCard_UsesSnakeCaseFields()
    {
        StubLegacy("/topapi/message/corpconversation/asyncsend_v2", new { errcode = 0, task_id = 1 });

        await _fake.CreateClient().SendWorkNotificationAsync(
            new WorkNotification(["u1"], WorkMessage.OfActionCard("标题", "内容", "查看", "https://m/1")), _ct);

        var card = Body(Assert.Single(_fake.Calls(_fake.Legacy, "/topapi/message/corpconversation/asyncsend_v2"))).GetProperty("msg").GetProperty("action_card");
        Assert.Equal("内容", card.GetProperty("markdown").GetString());
        Assert.Equal("查看", card.GetProperty("single_title").GetString());
        Assert.Equal("https://m/1", card.GetProperty("single_url").GetString());
    }

    [Fact]
    public async Task GetUserByAuthCode_ValidCode_PostsCodeAndReadsResult()
    {
        StubLegacy("/topapi/v2/user/getuserinfo", new
        {
            errcode = 0, errmsg = "ok", request_id = "r",
            result = new { userid = "manager4220", unionid = "un1", name = "张三", device_id = "d", sys = true, sys_level = 1 },
        });

        var user = await _fake.CreateClient().GetUserByAuthCodeAsync("auth-code-1", _ct);

        Assert.Equal("manager4220", user.UserId);
        Assert.Equal("un1", user.UnionId);
        Assert.Equal(1, user.SysLevel);
        var call = Assert.Single(_fake.Calls(_fake.Legacy, "/topapi/v2/user/getuserinfo"));
        Assert.Equal("tok-1", Query(call, "access_token"));
        Assert.Equal("auth-code-1", Body(call).GetProperty("code").GetString());
    }

    [Fact]
    public async Task GetUser_KnownUser_PostsUserIdAndLanguage()
    {
        StubLegacy("/topapi/v2/user/get", new
        {
            errcode = 0,
            result = new
            {
                userid = "u1", unionid = "un1", name = "李四", title = "副校长", dept_id_list = new[] { 2L, 3L },
                leader_in_dept = new[] { new { dept_id = 2L, leader = true } }, manager_userid = "boss", admin = false, active = true,
            },
        });

        var user = await _fake.CreateClient().GetUserAsync("u1", _ct);

        Assert.Equal("un1", user.UnionId);
        Assert.Equal([2L, 3L], user.DeptIdList);
        Assert.True(Assert.Single(user.LeaderInDept).Leader);
        var body = Body(Assert.Single(_fake.Calls(_fake.Legacy, "/topapi/v2/user/get")));
        Assert.Equal("u1", body.GetProperty("userid").GetString());
        Assert.Equal("zh_CN", body.GetProperty("language").GetString());
    }

    [Fact]
    public async Task ListSubDepartments_Parent_PostsDeptIdAndReadsList()
    {
        StubLegacy("/topapi/v2/department/listsub", new
        {
            errcode = 0,
            result = new[] { new { dept_id = 11L, name = "余杭区教育局", parent_id = 1L, create_dept_group = true, auto_add_user = true } },
        });

        var departments = await _fake.CreateClient().ListSubDepartmentsAsync(1, _ct);

        var d = Assert.Single(departments);
        Assert.Equal(11L, d.DeptId);
        Assert.Equal("余杭区教育局", d.Name);
        var call = Assert.Single(_fake.Calls(_fake.Legacy, "/topapi/v2/department/listsub"));
        Assert.Equal("tok-1", Query(call, "access_token"));
        Assert.Equal(1L, Body(call).GetProperty("dept_id").GetInt64());
    }

    [Fact]
    public async Task UploadMedia_Image_SendsMultipartMediaPartAndTypeOnUrl()
    {
        StubLegacy("/media/upload", new { errcode = 0, errmsg = "ok", type = "image", media_id = "@lADO123", created_at = 1599556098964L });
        var bytes = Encoding.ASCII.GetBytes("\x89PNG fake image bytes");

        var mediaId = await _fake.CreateClient().UploadMediaAsync(MediaUpload.Image("photo.png", "image/png", bytes), _ct);

        Assert.Equal("@lADO123", mediaId);
        var call = Assert.Single(_fake.Calls(_fake.Legacy, "/media/upload"));
        Assert.Equal("image", Query(call, "type"));
        Assert.Equal("tok-1", Query(call, "access_token"));
        Assert.StartsWith("multipart/form-data", Header(call, "Content-Type"));
        var raw = call.RequestMessage.Body ?? Encoding.UTF8.GetString(call.RequestMessage.BodyAsBytes!);
        Assert.Contains("name=\"media\"; filename=\"photo.png\"", raw);
        Assert.Contains("Content-Type: image/png", raw);
        Assert.Contains("name=\"type\"", raw);
        Assert.Contains("PNG fake image bytes", raw);
    }

    [Fact]
    public async Task CreateTodo_ForUnionId_PostsTaskFields()
    {
        StubApi("/v1.0/todo/users/un1/tasks", new { id = "task-1", subject = "处置线索 XA-1", sourceId = "clue-1", done = false, requestId = "r" });

        var todo = await _fake.CreateClient().CreateTodoAsync("un1", new TodoCreate
        {
            Subject = "处置线索 XA-1",
            ExecutorIds = ["un1"],
            DetailUrl = new TodoDetailUrl("dingtalk://app/1", "https://pc/1"),
            SourceId = "clue-1",
            DueTime = 1764400000000,
        }, _ct);

        Assert.Equal("task-1", todo.Id);
        var call = Assert.Single(_fake.Calls(_fake.Api, "/v1.0/todo/users/un1/tasks"));
        Assert.Equal("tok-1", Header(call, "x-acs-dingtalk-access-token"));
        Assert.Equal("un1", Query(call, "operatorId"));
        var body = Body(call);
        Assert.Equal("处置线索 XA-1", body.GetProperty("subject").GetString());
        Assert.Equal("un1", body.GetProperty("executorIds")[0].GetString());
        Assert.Equal("dingtalk://app/1", body.GetProperty("detailUrl").GetProperty("appUrl").GetString());
        Assert.Equal("https://pc/1", body.GetProperty("detailUrl").GetProperty("pcUrl").GetString());
        Assert.Equal("clue-1", body.GetProperty("sourceId").GetString());
        Assert.Equal(1764400000000, body.GetProperty("dueTime").GetInt64());
        Assert.False(body.TryGetProperty("priority", out _));
    }

    [Fact]
    public async Task UpdateTodo_Done_PutsOnlySetFields()
    {
        StubApi("/v1.0/todo/users/un1/tasks/task-1", new { result = true }, method: "PUT");

        await _fake.CreateClient().UpdateTodoAsync("un1", "task-1", new TodoUpdate { Done = true }, _ct);

        var call = Assert.Single(_fake.Calls(_fake.Api, "/v1.0/todo/users/un1/tasks/task-1"));
        Assert.Equal("PUT", call.RequestMessage.Method);
        Assert.Equal("tok-1", Header(call, "x-acs-dingtalk-access-token"));
        var body = Body(call);
        Assert.True(body.GetProperty("done").GetBoolean());
        Assert.False(body.TryGetProperty("subject", out _));
    }

    [Fact]
    public async Task NewApiError_400WithCode_ThrowsTypedException()
    {
        StubApi("/v1.0/robot/groupMessages/send", new { code = "invalidParameter.msgParam.invalid", message = "msgParam 不合法", requestid = "REQ-1" }, status: 400);

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() =>
            _fake.CreateClient().SendGroupMessageAsync("cid", RobotMessage.Text("x"), _ct));

        Assert.Equal("invalidParameter.msgParam.invalid", e.Code);
        Assert.Equal("msgParam 不合法", e.ApiMessage);
        Assert.Equal("REQ-1", e.RequestId);
        Assert.Equal(400, e.HttpStatus);
        Assert.Equal("robot.groupMessages.send", e.Endpoint);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task NewApiError_500WithoutJson_IsTransientHttpCode()
    {
        _fake.Api.Given(Request.Create().WithPath("/v1.0/card/instances").UsingPut())
            .RespondWith(Response.Create().WithStatusCode(502).WithBody("<html>bad gateway</html>"));

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() =>
            _fake.CreateClient().UpdateCardAsync(new CardUpdate("t", new Dictionary<string, string>()), _ct));

        Assert.Equal("http.502", e.Code);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task LegacyError_200WithErrcode_ThrowsTypedException()
    {
        StubLegacy("/topapi/v2/user/get", new { errcode = 60011, errmsg = "no permission", request_id = "R2" });

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() => _fake.CreateClient().GetUserAsync("u1", _ct));

        Assert.Equal("60011", e.Code);
        Assert.Equal(60011, e.LegacyErrCode);
        Assert.Equal("no permission", e.ApiMessage);
        Assert.Equal("R2", e.RequestId);
        Assert.Equal(200, e.HttpStatus);
    }

    [Fact]
    public async Task LegacyError_88WithSubCode_UsesSubCode()
    {
        StubLegacy("/topapi/v2/user/get", new { errcode = 88, errmsg = "ding talk error[subcode=60020]", sub_code = "60020", sub_msg = "访问ip不在白名单之中" });

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() => _fake.CreateClient().GetUserAsync("u1", _ct));

        Assert.Equal("60020", e.Code);
        Assert.Equal(88, e.LegacyErrCode);
        Assert.Equal("访问ip不在白名单之中", e.ApiMessage);
    }

    [Fact]
    public async Task TokenRefused_NewApi_RefetchesOnceAndRetriesOnce()
    {
        _fake.Api.Given(Request.Create().WithPath("/v1.0/robot/groupMessages/send").UsingPost()).InScenario("auth")
            .WillSetStateTo("refused")
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = "InvalidAuthentication", message = "不合法的access_token", requestid = "x" }));
        _fake.Api.Given(Request.Create().WithPath("/v1.0/robot/groupMessages/send").UsingPost()).InScenario("auth").WhenStateIs("refused")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { processQueryKey = "ok" }));

        var key = await _fake.CreateClient().SendGroupMessageAsync("cid", RobotMessage.Text("x"), _ct);

        Assert.Equal("ok", key);
        Assert.Equal(2, _fake.TokenCalls);
        var calls = _fake.Calls(_fake.Api, "/v1.0/robot/groupMessages/send");
        Assert.Equal("tok-1,tok-2", string.Join(',', calls.Select(c => Header(c, "x-acs-dingtalk-access-token"))));
    }

    [Fact]
    public async Task TokenRefused_LegacyErrcode88Sub40014_RefetchesOnceAndRetriesOnce()
    {
        _fake.Legacy.Given(Request.Create().WithPath("/topapi/v2/user/get").UsingPost()).InScenario("auth88")
            .WillSetStateTo("refused")
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 88, sub_code = "40014", sub_msg = "不合法的access_token", errmsg = "ding talk error" }));
        _fake.Legacy.Given(Request.Create().WithPath("/topapi/v2/user/get").UsingPost()).InScenario("auth88").WhenStateIs("refused")
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 0, result = new { userid = "u1" } }));

        var user = await _fake.CreateClient().GetUserAsync("u1", _ct);

        Assert.Equal("u1", user.UserId);
        Assert.Equal(2, _fake.TokenCalls);
        Assert.Equal("tok-1,tok-2", string.Join(',', _fake.Calls(_fake.Legacy, "/topapi/v2/user/get").Select(c => Query(c, "access_token"))));
    }

    [Fact]
    public async Task TokenRefused_Always_ThrowsAfterExactlyOneRefetchAndOneRetry()
    {
        StubApi("/v1.0/robot/groupMessages/send", new { code = "InvalidAuthentication", message = "no", requestid = "x" }, status: 400);

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() =>
            _fake.CreateClient().SendGroupMessageAsync("cid", RobotMessage.Text("x"), _ct));

        Assert.True(e.IsAuthError);
        Assert.Equal(2, _fake.TokenCalls);
        Assert.Equal(2, _fake.Calls(_fake.Api, "/v1.0/robot/groupMessages/send").Count);
    }

    [Fact]
    public async Task Throttled90018_Legacy_BacksOffThenSucceeds()
    {
        _fake.Legacy.Given(Request.Create().WithPath("/topapi/message/corpconversation/asyncsend_v2").UsingPost()).InScenario("qps")
            .WillSetStateTo("calm")
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 90018, errmsg = "请求的QPS超过限制" }));
        _fake.Legacy.Given(Request.Create().WithPath("/topapi/message/corpconversation/asyncsend_v2").UsingPost()).InScenario("qps").WhenStateIs("calm")
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 0, task_id = 7 }));
        var options = _fake.Options(o => o.ThrottleBackoff = TimeSpan.FromMilliseconds(300));

        var watch = Stopwatch.StartNew();
        var taskId = await _fake.CreateClient(options).SendWorkNotificationAsync(new WorkNotification(["u1"], WorkMessage.OfMarkdown("t", "x")), _ct);

        Assert.Equal(7, taskId);
        var calls = _fake.Calls(_fake.Legacy, "/topapi/message/corpconversation/asyncsend_v2");
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].RequestMessage.DateTime - calls[0].RequestMessage.DateTime >= TimeSpan.FromMilliseconds(290),
            $"retried after {(calls[1].RequestMessage.DateTime - calls[0].RequestMessage.DateTime).TotalMilliseconds} ms");
        Assert.Equal(1, _fake.TokenCalls);
    }

    [Fact]
    public async Task ThrottledQpsLimit_NewApi403_BacksOffThenSucceeds()
    {
        _fake.Api.Given(Request.Create().WithPath("/v1.0/robot/groupMessages/send").UsingPost()).InScenario("qps403")
            .WillSetStateTo("calm")
            .RespondWith(Response.Create().WithStatusCode(403).WithBodyAsJson(new { code = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", message = "qps", requestid = "x" }));
        _fake.Api.Given(Request.Create().WithPath("/v1.0/robot/groupMessages/send").UsingPost()).InScenario("qps403").WhenStateIs("calm")
            .RespondWith(Response.Create().WithBodyAsJson(new { processQueryKey = "ok" }));

        Assert.Equal("ok", await _fake.CreateClient().SendGroupMessageAsync("cid", RobotMessage.Text("x"), _ct));
        Assert.Equal(2, _fake.Calls(_fake.Api, "/v1.0/robot/groupMessages/send").Count);
    }

    [Fact]
    public async Task Throttled_EveryTime_GivesUpAfterConfiguredRetries()
    {
        StubLegacy("/topapi/v2/user/get", new { errcode = 88, sub_code = "90002", sub_msg = "global qps" });
        var options = _fake.Options(o => { o.ThrottleRetries = 2; o.ThrottleBackoff = TimeSpan.FromMilliseconds(10); });

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() => _fake.CreateClient(options).GetUserAsync("u1", _ct));

        Assert.True(e.IsThrottled);
        Assert.Equal(3, _fake.Calls(_fake.Legacy, "/topapi/v2/user/get").Count);
    }

    [Fact]
    public async Task AccessToken_ManyConcurrentCalls_FetchedOnceAndReused()
    {
        StubApi("/v1.0/robot/groupMessages/send", new { processQueryKey = "k" });
        _fake.Api.Given(Request.Create().WithPath("/v1.0/oauth2/accessToken").UsingPost()).AtPriority(0)
            .RespondWith(Response.Create().WithDelay(200).WithBodyAsJson(new { accessToken = "slow-token", expireIn = 7200 }));
        var client = _fake.CreateClient();

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => client.SendGroupMessageAsync($"cid-{i}", RobotMessage.Text("x"), _ct)));
        await client.SendGroupMessageAsync("cid-last", RobotMessage.Text("x"), _ct);

        Assert.Equal(1, _fake.TokenCalls);
        Assert.All(_fake.Calls(_fake.Api, "/v1.0/robot/groupMessages/send"), c => Assert.Equal("slow-token", Header(c, "x-acs-dingtalk-access-token")));
    }

    [Fact]
    public async Task AccessToken_NearExpiry_IsRefreshedBeforeUse()
    {
        StubApi("/v1.0/robot/groupMessages/send", new { processQueryKey = "k" });
        _fake.Api.Given(Request.Create().WithPath("/v1.0/oauth2/accessToken").UsingPost()).AtPriority(0)
            .RespondWith(Response.Create().WithBodyAsJson(new { accessToken = "short", expireIn = 60 }));
        var client = _fake.CreateClient(_fake.Options(o => o.TokenRefreshMargin = TimeSpan.FromMinutes(5)));

        await client.SendGroupMessageAsync("a", RobotMessage.Text("x"), _ct);
        await client.SendGroupMessageAsync("b", RobotMessage.Text("x"), _ct);

        Assert.Equal(2, _fake.TokenCalls);
    }

    [Fact]
    public async Task Logging_AuthThrottleAndFailure_NeverContainsTokenSecretOrBody()
    {
        _fake.Api.Given(Request.Create().WithPath("/v1.0/robot/groupMessages/send").UsingPost()).InScenario("log")
            .WillSetStateTo("throttled")
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = "InvalidAuthentication", message = "bad token", requestid = "R1" }));
        _fake.Api.Given(Request.Create().WithPath("/v1.0/robot/groupMessages/send").UsingPost()).InScenario("log").WhenStateIs("throttled")
            .WillSetStateTo("broken")
            .RespondWith(Response.Create().WithStatusCode(403).WithBodyAsJson(new { code = "Forbidden.AccessDenied.QpsLimitForApi", message = "qps", requestid = "R2" }));
        _fake.Api.Given(Request.Create().WithPath("/v1.0/robot/groupMessages/send").UsingPost()).InScenario("log").WhenStateIs("broken")
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = "invalidParameter.msgParam.invalid", message = "bad", requestid = "R3" }));
        var logger = new CapturingLogger<DingTalkClient>();

        await Assert.ThrowsAsync<DingTalkApiException>(() =>
            _fake.CreateClient(logger: logger).SendGroupMessageAsync("cid-secret-school", RobotMessage.Markdown("机密标题", "学生张三的隐患描述"), _ct));

        var lines = logger.Lines.ToList();
        Assert.True(lines.Count >= 3, string.Join("\n", lines));
        Assert.Contains(lines, l => l.Contains("InvalidAuthentication"));
        Assert.Contains(lines, l => l.Contains("QpsLimitForApi"));
        Assert.Contains(lines, l => l.Contains("R3"));
        foreach (var secret in new[] { "tok-1", "tok-2", "app-secret", "机密标题", "学生张三", "msgParam\"" })
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
    }
}
