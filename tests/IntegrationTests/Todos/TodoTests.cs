using System.Collections.Concurrent;
using System.Text.Json;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Todos;
using SchoolSafety.IntegrationTests.DingTalk;
using SchoolSafety.IntegrationTests.Infrastructure;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Types;
using WireMock.Util;

namespace SchoolSafety.IntegrationTests.Todos;

/// <summary>
/// Core's real services with the real DingTalk client pointed at WireMock, whose to-do endpoints behave as DingTalk's: a
/// create answers the task (its id made from the sourceId), a second create with the same sourceId is refused ("task exist").
/// </summary>
public sealed class TodoFixture : IAsyncLifetime
{
    public DingTalkFake Fake { get; } = new();
    public CoreServices Core { get; }
    public ConcurrentDictionary<string, int> Sources { get; } = new();
    public ConcurrentDictionary<string, bool> RefuseLookup { get; } = new();

    public TodoFixture()
    {
        Core = new CoreServices(new Dictionary<string, string?>
        {
            ["DingTalk:ApiBaseUrl"] = Fake.Api.Url, ["DingTalk:LegacyBaseUrl"] = Fake.Legacy.Url, ["DingTalk:AppKey"] = "dingappkey",
            ["DingTalk:AppSecret"] = "app-secret", ["DingTalk:RobotCode"] = "dingrobot", ["DingTalk:CallsPerSecondPerApi"] = "1000",
            ["DingTalk:Todos:GraceWorkingDays"] = "0",   // every duty a to-do at once (the lazy default: LazyTodoTests)
        });
        Fake.Api.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher(@"^/v1\.0/todo/users/[^/]+/tasks$")).UsingPost())
            .RespondWith(Response.Create().WithCallback(req =>
            {
                var source = JsonDocument.Parse(req.Body!).RootElement.GetProperty("sourceId").GetString()!;
                return Sources.AddOrUpdate(source, 1, (_, n) => n + 1) == 1
                    ? Json(200, new { id = $"task-{source}", subject = "x", sourceId = source, done = false })
                    : Json(400, new { code = "invalidParameter", message = "task exist", requestid = "r1" });
            }));
        // A to-do by its sourceId (its create's answer lost): answered for a sourceId DingTalk has, except those told to refuse.
        Fake.Api.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher(@"^/v1\.0/todo/users/[^/]+/tasks/sources/[^/]+$")).UsingGet())
            .RespondWith(Response.Create().WithCallback(req =>
            {
                var source = Uri.UnescapeDataString(req.Path.Split('/').Last());
                return RefuseLookup.ContainsKey(source) ? Json(403, new { code = "Forbidden.AccessDenied.AccessTokenPermissionDenied", message = "没有调用该接口的权限", requestid = "r2" })
                    : Sources.ContainsKey(source) ? Json(200, new { id = $"task-{source}", subject = "x", sourceId = source, done = false })
                    : Json(404, new { code = "taskNotExist", message = "task not exist", requestid = "r3" });
            }));
        Fake.Api.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher(@"^/v1\.0/todo/users/[^/]+/tasks/[^/]+$")).UsingPut())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { result = true }));
        // Cards and messages succeed (not under test here).
        Fake.Api.Given(Request.Create().WithPath("/v1.0/card/instances/createAndDeliver").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { success = true, result = new { outTrackId = "t", deliverResults = Array.Empty<object>() } }));
        Fake.Api.Given(Request.Create().WithPath("/v1.0/card/instances/deliver").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { success = true, result = Array.Empty<object>() }));
        Fake.Api.Given(Request.Create().WithPath("/v1.0/card/instances").UsingPut())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { success = true, result = true }));
        foreach (var path in new[] { "/v1.0/robot/groupMessages/send", "/v1.0/robot/oToMessages/batchSend" })
            Fake.Api.Given(Request.Create().WithPath(path).UsingPost())
                .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { processQueryKey = "k" }));
    }

    private static ResponseMessage Json(int status, object body) => new()
    {
        StatusCode = status,
        BodyData = new BodyData { BodyAsString = JsonSerializer.Serialize(body), DetectedBodyType = BodyType.String },
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
    };

    public Task InitializeAsync() => Core.InitializeAsync();

    public async Task DisposeAsync()
    {
        await Core.DisposeAsync();
        Fake.Dispose();
    }
}

/// <summary>Issue 9 item 4: every open duty is a DingTalk to-do, made once and completed for everyone, through the outbox.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class TodoTests(TodoFixture f) : IClassFixture<TodoFixture>, IAsyncLifetime
{
    private const string CreatePath = @"^/v1\.0/todo/users/[^/]+/tasks$";
    private CoreServices Core => f.Core;
    private ClueService Clues => Core.Get<ClueService>();

    public async Task InitializeAsync()
    {
        await Core.Db.ResetAsync();
        await Core.Get<Core.Demo.DemoDistrict>().LoadAsync(CancellationToken.None);
        f.Fake.Api.ResetLogEntries();
        f.Sources.Clear();
        f.RefuseLookup.Clear();
        Core.Clock.SetChinaTime(2026, 11, 30);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<OutboxRunReport> DrainAsync() => Core.Get<OutboxDispatcher>().DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);

    private IReadOnlyList<JsonElement> Creates() => f.Fake.Api.LogEntries
        .Where(e => e.RequestMessage.Method == "POST" && System.Text.RegularExpressions.Regex.IsMatch(e.RequestMessage.Path, CreatePath))
        .OrderBy(e => e.RequestMessage.DateTime).Select(e => JsonDocument.Parse(e.RequestMessage.Body!).RootElement).ToList();

    private IReadOnlyList<string> Completions() => f.Fake.Api.LogEntries
        .Where(e => e.RequestMessage.Method == "PUT" && e.RequestMessage.Path.Contains("/todo/", StringComparison.Ordinal))
        .OrderBy(e => e.RequestMessage.DateTime).Select(e => e.RequestMessage.Path.Split('/').Last() + " " + e.RequestMessage.Body).ToList();

    private async Task<IReadOnlyList<TodoRow>> TodosAsync(long clueId, TodoSubject kind = TodoSubject.Clue)
    {
        await using var conn = await Core.Db.DataSource.OpenConnectionAsync();
        return await Core.Get<TodoStore>().OfSubjectAsync(conn, kind, clueId, CancellationToken.None);
    }

    private async Task<ActionOutcome> ReportAsync(int school = 1)
    {
        var outcome = await Clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = await Core.UserAsync($"demo-school{school:D2}-officer"), ItemNo = 4, Description = "校门口有无证摊贩占道经营",
            IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        return outcome;
    }

    private async Task<ActionOutcome> ActAsync(ActionOutcome on, ClueAction action, long user, string? note = null, ClueRating? rating = null, string? key = null)
    {
        var outcome = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = on.ClueId, Action = action, Version = on.Version, IdempotencyKey = key ?? Guid.NewGuid().ToString(),
            Actor = ActorRef.User(user), Note = note, Rating = rating,
        });
        Assert.True(outcome.Kind == OutcomeKind.Applied, $"{action}: {outcome.Kind} ({outcome.Code}: {outcome.Message})");
        return outcome;
    }

    private Task<string> UnionIdAsync(long user) => Core.ScalarAsync<string>("SELECT union_id FROM users WHERE id = @user", new { user });

    [Fact]
    public async Task AReport_MakesOneAcceptTodo_ForItsHandler_LinkingTheClue_AndItIsMetered()
    {
        var c = await ReportAsync();
        await DrainAsync();

        var create = Assert.Single(Creates());
        var member = await Core.MemberAsync(1, "POL");
        var todo = Assert.Single(await TodosAsync(c.ClueId));
        Assert.Equal((TodoDuty.Accept, $"{member}", $"task-schoolsafety-todo-{todo.Id}"), (todo.Duty, todo.Executors, todo.TaskId));
        Assert.Equal($"schoolsafety-todo-{todo.Id}", create.GetProperty("sourceId").GetString());
        Assert.Equal([await UnionIdAsync(member)], create.GetProperty("executorIds").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal($"签收线索：{c.Number}（余杭区五常中心小学 · 治安/校园安保）", create.GetProperty("subject").GetString());
        var link = Core.Get<Microsoft.Extensions.Options.IOptions<CardOptions>>().Value.ClueLink(c.ClueId);
        Assert.Equal(link, create.GetProperty("detailUrl").GetProperty("appUrl").GetString());
        Assert.Equal(link, create.GetProperty("detailUrl").GetProperty("pcUrl").GetString());
        Assert.True(create.TryGetProperty("dueTime", out _));

        var usage = await Core.Get<DingTalkUsage>().ReportAsync(null, CancellationToken.None);
        Assert.Equal(1, usage.ByApi.Single(r => r.Api == "todo.tasks.create").Calls);
    }

    [Fact]
    public async Task AtDistrict_OneTodoForEveryHandler_CompletedForAllWhenOneOfThemAccepts()
    {
        var c = await ReportAsync();
        var member = await Core.MemberAsync(1, "POL");
        var townHead = await Core.TownHeadAsync(1, "POL");
        c = await ActAsync(c, ClueAction.Accept, member);
        c = await ActAsync(c, ClueAction.Escalate, member, note: "需区级部门协调");   // a request: the town head approves
        await DrainAsync();
        var approval = (await TodosAsync(c.ClueId)).Single(t => t.Duty == TodoDuty.ApproveEscalation);
        Assert.Equal($"{townHead}", approval.Executors);
        Assert.StartsWith("审批上报上级：", Creates().Last().GetProperty("subject").GetString());

        c = await ActAsync(c, ClueAction.ApproveEscalation, townHead);
        await DrainAsync();
        var accept = (await TodosAsync(c.ClueId)).Where(t => t.Duty == TodoDuty.Accept).MaxBy(t => t.Id)!;
        Assert.True(accept.ExecutorIds.Count >= 2, $"the district unit's staff: {accept.Executors}");
        var handler = accept.ExecutorIds.First(id => id != townHead);
        var creates = Creates().Count;
        var completions = Completions().Count;

        await ActAsync(c, ClueAction.Accept, handler);   // one of them accepts
        await DrainAsync();

        var rows = await TodosAsync(c.ClueId);
        Assert.All(rows, t => Assert.NotNull(t.ClosedAt));
        Assert.All(rows.Where(t => t.TaskId is { Length: > 0 }), t => Assert.NotNull(t.CompletedAt));
        var done = Assert.Single(Completions().Skip(completions));   // one call completes it for every executor
        Assert.StartsWith($"task-schoolsafety-todo-{accept.Id}", done);
        Assert.Contains("\"done\":true", done);
        Assert.Equal(creates, Creates().Count);   // in progress: no new duty
    }

    [Fact]
    public async Task FourPlatforms_TheHeadApprovesTheDispatch_TheUnitConfirmsTheResult_EachFromATodo()
    {
        var c = await ReportAsync();
        var member = await Core.MemberAsync(1, "POL");
        c = await ActAsync(c, ClueAction.Accept, member);
        c = await ActAsync(c, ClueAction.Escalate, member, note: "需区级部门协调");
        c = await ActAsync(c, ClueAction.ApproveEscalation, await Core.TownHeadAsync(1, "POL"));
        var district = await Core.UserAsync("demo-POL-handler");
        var head = await Core.UserAsync("demo-POL-head");
        c = await ActAsync(c, ClueAction.Accept, district);
        c = await ActAsync(c, ClueAction.ProposeDispatch, district, note: "需镇街协同");
        await DrainAsync();
        var approve = (await TodosAsync(c.ClueId)).Single(t => t.Duty == TodoDuty.ApproveDispatch);
        Assert.Equal($"{head}", approve.Executors);   // the heads, never the proposer
        Assert.StartsWith("审核下发四平台：", Creates().Last().GetProperty("subject").GetString());

        c = await ActAsync(c, ClueAction.ApproveDispatch, head);
        var result = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.GridResult, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.GridPlatform, Note = "镇街已完成整治",
            Version = c.Version,
        });
        Assert.Equal(OutcomeKind.Applied, result.Kind);
        await DrainAsync();
        var rows = await TodosAsync(c.ClueId);
        Assert.NotNull(rows.Single(t => t.Id == approve.Id).CompletedAt);
        var confirm = rows.Single(t => t.Duty == TodoDuty.ConfirmResult && t.ClosedAt is null);
        Assert.Contains(district, confirm.ExecutorIds);   // the dispatching unit's staff
        Assert.StartsWith("确认四平台处置结果：", Creates().Last().GetProperty("subject").GetString());

        await ActAsync(result, ClueAction.ConfirmResult, district);
        await DrainAsync();
        rows = await TodosAsync(c.ClueId);
        Assert.NotNull(rows.Single(t => t.Id == confirm.Id).CompletedAt);
        Assert.Single(rows, t => t.ClosedAt is null);   // only the reporter's rating is left
        Assert.Equal(TodoDuty.Rate, rows.Single(t => t.ClosedAt is null).Duty);
    }

    [Fact]
    public async Task Repeats_MakeNoSecondTodo_TheSameRowTwice_TheSameActionTwice_ALostAnswer()
    {
        var c = await ReportAsync();
        await DrainAsync();
        Assert.Single(Creates());

        // The same outbox row delivered again (e.g. its lease ran out after the send): nothing left to do.
        await Core.ScalarAsync<long>("UPDATE outbox SET sent_at = NULL, next_attempt_at = '2020-01-01' WHERE topic = @t; SELECT 1", new { t = TodoSync.ClueTopic });
        await DrainAsync();
        Assert.Equal(0, await Core.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"));   // it was sent again
        Assert.Single(Creates());

        // The same action twice (one idempotency key), and actions that open no duty: no second to-do.
        var member = await Core.MemberAsync(1, "POL");
        var reporter = await Core.UserAsync("demo-school01-officer");
        var key = Guid.NewGuid().ToString();
        await Clues.ApplyAsync(new ClueCommand { ClueId = c.ClueId, Action = ClueAction.Comment, IdempotencyKey = key, Actor = ActorRef.User(reporter), Note = "补充" });
        await Clues.ApplyAsync(new ClueCommand { ClueId = c.ClueId, Action = ClueAction.Comment, IdempotencyKey = key, Actor = ActorRef.User(reporter), Note = "补充" });
        await Clues.ApplyAsync(new ClueCommand { ClueId = c.ClueId, Action = ClueAction.Urge, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(reporter) });
        await DrainAsync();
        Assert.Single(Creates());
        Assert.Single(await TodosAsync(c.ClueId));

        // A create whose answer was lost (DingTalk made it, the id was never recorded) is sent again with the same sourceId:
        // DingTalk refuses it ("task exist"), no second to-do; the to-do is looked up by its sourceId and its id recorded.
        var todo = Assert.Single(await TodosAsync(c.ClueId));
        await Core.ScalarAsync<long>("UPDATE todos SET task_id = NULL WHERE id = @id; UPDATE outbox SET sent_at = NULL, next_attempt_at = '2020-01-01' WHERE topic = @t; SELECT 1",
            new { id = todo.Id, t = TodoSync.ClueTopic });
        var report = await DrainAsync();
        Assert.Equal(0, report.Dead + report.Retrying);
        Assert.Equal(2, Creates().Count);
        Assert.Single(f.Sources);   // one sourceId: one to-do in DingTalk
        Assert.Equal($"task-{todo.SourceId}", Assert.Single(await TodosAsync(c.ClueId)).TaskId);
        var lookup = Assert.Single(f.Fake.Api.LogEntries, e => e.RequestMessage.Method == "GET" && e.RequestMessage.Path.Contains("/tasks/sources/", StringComparison.Ordinal));
        Assert.EndsWith($"/tasks/sources/{todo.SourceId}", lookup.RequestMessage.Path);

        // So it is completed like any other when the handler accepts.
        var accepted = await ActAsync(c, ClueAction.Accept, member);
        await DrainAsync();
        Assert.Equal([$"task-{todo.SourceId} {{\"done\":true}}"], Completions());
        Assert.NotNull(Assert.Single(await TodosAsync(accepted.ClueId)).CompletedAt);
    }

    [Fact]
    public async Task ALostCreateAnswer_WhereDingTalkRefusesTheLookup_MakesNoSecondTodo_AndNothingFails()
    {
        var c = await ReportAsync();
        await DrainAsync();
        var todo = Assert.Single(await TodosAsync(c.ClueId));
        f.RefuseLookup[todo.SourceId] = true;
        await Core.ScalarAsync<long>("UPDATE todos SET task_id = NULL WHERE id = @id; UPDATE outbox SET sent_at = NULL, next_attempt_at = '2020-01-01' WHERE topic = @t; SELECT 1",
            new { id = todo.Id, t = TodoSync.ClueTopic });

        var report = await DrainAsync();

        Assert.Equal(0, report.Dead + report.Retrying);
        Assert.Single(f.Sources);
        Assert.Equal("", Assert.Single(await TodosAsync(c.ClueId)).TaskId);   // its id unknown: recorded with none, as before the lookup existed
        await ActAsync(c, ClueAction.Accept, await Core.MemberAsync(1, "POL"));
        await DrainAsync();
        Assert.Empty(Completions());
    }

    [Fact]
    public async Task APersonWithoutAUnionId_GetsNoTodo_TheRowSaysWhom_NothingFails()
    {
        var member = await Core.MemberAsync(1, "POL");
        await Core.ScalarAsync<long>("UPDATE users SET union_id = NULL WHERE id = @member; SELECT 1", new { member });

        var c = await ReportAsync();
        var report = await DrainAsync();

        Assert.Equal(0, report.Dead + report.Retrying);
        Assert.Empty(Creates());
        var todo = Assert.Single(await TodosAsync(c.ClueId));
        Assert.Equal(($"{member}", (string?)null), (todo.WithoutUnionId, todo.TaskId));
        await using var conn = await Core.Db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await Core.Get<TodoStore>().UnreachedSinceAsync(conn, DateTime.UtcNow.AddYears(-1), CancellationToken.None));
    }

    [Fact]
    public async Task Rating_TheReporterRates_TheTodoIsCompleted()
    {
        var c = await ReportAsync();
        var member = await Core.MemberAsync(1, "POL");
        var reporter = await Core.UserAsync("demo-school01-officer");
        c = await ActAsync(c, ClueAction.Accept, member);
        c = await ActAsync(c, ClueAction.Resolve, member, note: "已劝离");
        await DrainAsync();
        var rate = (await TodosAsync(c.ClueId)).Single(t => t.Duty == TodoDuty.Rate);
        Assert.Equal($"{reporter}", rate.Executors);
        Assert.StartsWith("回访评价：", Creates().Last().GetProperty("subject").GetString());

        await ActAsync(c, ClueAction.Rate, reporter, rating: ClueRating.Satisfied);
        await DrainAsync();
        Assert.NotNull((await TodosAsync(c.ClueId)).Single(t => t.Id == rate.Id).CompletedAt);
        Assert.StartsWith($"task-schoolsafety-todo-{rate.Id}", Completions().Last());
    }

    [Fact]
    public async Task AFinding_IsARectifyTodo_ForItsAssignee_CompletedWhenEvidenceIsSubmitted()
    {
        var school = await Core.ScalarAsync<long>("SELECT school_id FROM work_groups WHERE open_conversation_id = 'demo-cid-school01'");
        var unit = await Core.ScalarAsync<long>("SELECT unit_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.dingtalk_user_id = 'demo-POL-handler'");
        var handler = await Core.UserAsync("demo-POL-handler");
        var service = Core.Get<GuidanceService>();
        var created = await service.CreateAsync(handler, new CreateGuidanceCommand(school, unit, GuidanceKind.Inspection, new DateOnly(2026, 11, 30),
            "检查校门口安保", "张三、李四", null, [new FindingInput("门卫值守记录不全", null, new DateOnly(2026, 12, 10))]), CancellationToken.None);
        Assert.True(created.IsOk, created.Failure?.Message);
        await DrainAsync();
        var record = created.Value!.Record.Id;
        var todo = Assert.Single(await TodosAsync(record, TodoSubject.Guidance));
        Assert.Equal(TodoDuty.Rectify, todo.Duty);
        var create = Assert.Single(Creates());
        Assert.Equal("整改问题：余杭区五常中心小学服务指导发现的问题「门卫值守记录不全」", create.GetProperty("subject").GetString());
        Assert.Equal(Core.Get<Microsoft.Extensions.Options.IOptions<CardOptions>>().Value.GuidanceLink(record),
            create.GetProperty("detailUrl").GetProperty("appUrl").GetString());

        var officer = await Core.UserAsync("demo-school01-officer");
        var submitted = await service.SubmitEvidenceAsync(officer, todo.FindingId!.Value, new EvidenceCommand("已补齐值守记录", null), CancellationToken.None);
        Assert.True(submitted.IsOk, submitted.Failure?.Message);
        await DrainAsync();
        Assert.NotNull(Assert.Single(await TodosAsync(record, TodoSubject.Guidance)).CompletedAt);
        Assert.Single(Completions());
    }
}

/// <summary>
/// To-dos switched off for a deployment, or for some duties: no change queues what is off and none is sent; on, offline,
/// the recorder keeps the calls. Each test runs Core's services with its own settings and the offline recorder.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class TodosSwitchedOffTests
{
    /// <summary>Core with these settings, the demo district, and a clue reported at demo school 1, handed to <paramref name="test"/>.</summary>
    private static Task WithReportedClueAsync(Dictionary<string, string?> settings, Func<CoreServices, ActionOutcome, Task> test) =>
        WithOfflineCoreAsync(settings, async core =>
        {
            core.Clock.SetChinaTime(2026, 11, 30);
            var c = await core.Get<ClueService>().ReportAsync(new ReportCommand
            {
                ReporterUserId = await core.UserAsync("demo-school01-officer"), ItemNo = 4, Description = "校门口车辆违停", IdempotencyKey = Guid.NewGuid().ToString(),
            });
            Assert.Equal(OutcomeKind.Applied, c.Kind);
            await test(core, c);
        });

    /// <summary>Core with these settings, the offline recorder and the demo district, handed to <paramref name="test"/>, then reset.</summary>
    internal static async Task WithOfflineCoreAsync(Dictionary<string, string?> settings, Func<CoreServices, Task> test)
    {
        settings["DingTalk:OfflineLogPath"] = "";
        var core = new CoreServices(settings);
        await core.InitializeAsync();
        try
        {
            await core.Db.ResetAsync();
            await core.Get<Core.Demo.DemoDistrict>().LoadAsync(CancellationToken.None);
            await test(core);
        }
        finally
        {
            await core.Db.ResetAsync();
            await core.DisposeAsync();
        }
    }

    private static async Task<ActionOutcome> ByTheMemberAsync(CoreServices core, ActionOutcome c, ClueAction action, string? note = null) =>
        await core.Get<ClueService>().ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = action, Version = c.Version, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = ActorRef.User(await core.MemberAsync(1, "POL")), Note = note,
        });

    private static Task DrainAsync(CoreServices core) => core.Get<OutboxDispatcher>().DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);

    [Fact]
    public Task Offline_TheRecorderKeepsTheTodoCalls_MeteredAsTheRealClientWould() =>
        WithReportedClueAsync(new() { ["DingTalk:Todos:GraceWorkingDays"] = "0" }, async (core, c) =>
        {
            await DrainAsync(core);
            await ByTheMemberAsync(core, c, ClueAction.Accept);
            await DrainAsync(core);

            var calls = core.Get<RecordingDingTalkClient>().Calls.Where(call => call.Method.Contains("Todo", StringComparison.Ordinal)).ToList();
            Assert.Equal(["CreateTodo", "UpdateTodo"], calls.Select(call => call.Method).ToArray());
            // The exact body the real client would send: the unique sourceId, the executors, the link into the mini-app.
            Assert.StartsWith("schoolsafety-todo-", calls[0].Body.GetProperty("sourceId").GetString());
            Assert.NotEmpty(calls[0].Body.GetProperty("executorIds").EnumerateArray());
            Assert.Contains($"/tasks/{RecordingDingTalkClient.OfflineTodoId(calls[0].Body.GetProperty("sourceId").GetString())}?", calls[1].Api);
            Assert.True(calls[1].Body.GetProperty("done").GetBoolean());
            var usage = await core.Get<DingTalkUsage>().ReportAsync(null, CancellationToken.None);
            Assert.Equal([1L, 1L], new[] { "todo.tasks.create", "todo.tasks.update" }.Select(api => usage.ByApi.Single(r => r.Api == api).Calls).ToArray());
        });

    [Fact]
    public Task OnlyTheApprovals_AReportMakesNone_AnEscalationRequestMakesOne() =>
        WithReportedClueAsync(new()
        {
            ["DingTalk:Todos:Duties:0"] = "ApproveEscalation", ["DingTalk:Todos:Duties:1"] = "ApproveExtension", ["DingTalk:Todos:GraceWorkingDays"] = "0",
        }, async (core, c) =>
        {
            c = await ByTheMemberAsync(core, c, ClueAction.Accept);
            await ByTheMemberAsync(core, c, ClueAction.Escalate, "需区级部门协调");   // a request: the town head approves
            await DrainAsync(core);

            Assert.Equal(["ApproveEscalation"], await core.QueryAsync<string>("SELECT duty FROM todos"));
            Assert.Single(core.Get<RecordingDingTalkClient>().Calls, call => call.Method == "CreateTodo");
        });

    [Fact]
    public Task SwitchedOff_NoTodoRow_NoSyncRow_NoCall() =>
        WithReportedClueAsync(new() { ["DingTalk:Todos:Enabled"] = "false" }, async (core, c) =>
        {
            await ByTheMemberAsync(core, c, ClueAction.Accept);
            await DrainAsync(core);

            Assert.Equal(0, await core.ScalarAsync<long>("SELECT COUNT(*) FROM todos"));
            Assert.Equal(0, await core.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic LIKE 'todo.%'"));
            Assert.DoesNotContain(core.Get<RecordingDingTalkClient>().Calls, call => call.Method.Contains("Todo", StringComparison.Ordinal));
            Assert.Contains(core.Get<RecordingDingTalkClient>().Calls, call => call.Method == "CreateAndDeliverCard");
        });
}
