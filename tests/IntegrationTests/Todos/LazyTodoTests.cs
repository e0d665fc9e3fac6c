using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Reminders;
using SchoolSafety.Core.Todos;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Todos;

/// <summary>
/// The default to-dos are lazy (<c>DingTalk:Todos:GraceWorkingDays</c> = 1): a duty becomes a DingTalk to-do only when it has
/// stayed open through its grace or its first reminder step falls due, handed over by the reminder evaluator at working
/// time. Core's real services on the real database, a test clock, the offline recorder counting the calls.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class LazyTodoTests
{
    private static Task WithCoreAsync(Dictionary<string, string?> settings, Func<CoreServices, Task> test) =>
        TodosSwitchedOffTests.WithOfflineCoreAsync(settings, async core =>
        {
            // No guidance window open (the defaults would add guidance lines to the members' messages).
            await using (var conn = await core.Db.DataSource.OpenConnectionAsync())
                await core.Get<ReminderStore>().ReplaceWindowsAsync(conn, 2026, [GuidanceWindows.Window(2026, 1, "测试", new(2026, 1, 5), new(2026, 1, 6))],
                    CancellationToken.None);
            await test(core);
        });

    private static async Task<ActionOutcome> ReportAtAsync(CoreServices core, int d, int h, int mi = 0)
    {
        core.Clock.SetChinaTime(2026, 11, d, h, mi);
        var c = await core.Get<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = await core.UserAsync("demo-school01-officer"), ItemNo = 4, Description = "校门口车辆违停", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, c.Kind);
        await DrainAsync(core);
        return c;
    }

    private static async Task<ActionOutcome> ActAsync(CoreServices core, ActionOutcome c, ClueAction action, long user, string? note = null, ClueRating? rating = null)
    {
        var o = await core.Get<ClueService>().ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = action, Version = c.Version, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(user), Note = note,
            Rating = rating,
        });
        Assert.True(o.Kind == OutcomeKind.Applied, $"{action}: {o.Kind} {o.Message}");
        await DrainAsync(core);
        return o;
    }

    private static Task DrainAsync(CoreServices core) => core.Get<OutboxDispatcher>().DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);

    /// <summary>The evaluator at a China time (a day of December 2026 or, above 30, of November), then the outbox drained.</summary>
    private static async Task<ReminderRunReport> EvaluateAtAsync(CoreServices core, int month, int d, int h, int mi = 0)
    {
        core.Clock.SetChinaTime(2026, month, d, h, mi);
        var report = await core.Get<ReminderService>().RunAsync(CancellationToken.None);
        await DrainAsync(core);
        return report;
    }

    private static List<RecordedDingTalkCall> Calls(CoreServices core, string method) =>
        core.Get<RecordingDingTalkClient>().Calls.Where(c => c.Method == method).ToList();

    private static async Task<IReadOnlyList<TodoRow>> TodosAsync(CoreServices core, long clueId)
    {
        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        return await core.Get<TodoStore>().OfSubjectAsync(conn, TodoSubject.Clue, clueId, CancellationToken.None);
    }

    /// <summary>The reminder lines queued for a user so far (step codes).</summary>
    private static async Task<List<string>> LinesForAsync(CoreServices core, long user) =>
        (await core.QueryAsync<string>("SELECT payload FROM outbox WHERE topic = @t ORDER BY id", new { t = ReminderMessages.Topic }))
            .Select(p => System.Text.Json.JsonSerializer.Deserialize<ReminderPayload>(p, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!)
            .Where(p => p.UserIds.Contains(user)).SelectMany(p => p.Items.Where(i => i.Kind == SubjectKind.Clue).Select(i => i.Step)).ToList();

    [Fact]
    public Task ADutyDoneInsideItsGrace_MakesNoTodo_NoCall() =>
        WithCoreAsync([], async core =>
        {
            // Monday 30 Nov 10:00; the member accepts from the card at 10:40.
            var c = await ReportAtAsync(core, 30, 10);
            await EvaluateAtAsync(core, 11, 30, 10, 15);
            c = await ActAsync(core, c, ClueAction.Accept, await core.MemberAsync(1, "POL"));
            for (var d = 1; d <= 3; d++) await EvaluateAtAsync(core, 12, d, 12);

            Assert.Empty(Calls(core, "CreateTodo"));
            Assert.Empty(Calls(core, "UpdateTodo"));
            var row = Assert.Single(await TodosAsync(core, c.ClueId));
            Assert.Equal((TodoDuty.Accept, (string?)null), (row.Duty, row.TaskId));
            Assert.NotNull(row.ClosedAt);
        });

    [Fact]
    public Task ADutyLeftOpen_GetsOneTodo_AtItsFirstStep_WithDingTalksNotice_InsteadOfTheReminder_CompletedWhenSomeoneElseActs() =>
        WithCoreAsync([], async core =>
        {
            // Monday 30 Nov 10:00 → accept due Tuesday 10:00; accept-due (the step 签收 stands for) at Tuesday 06:00 is before
            // the working morning, so it goes at 07:30; the grace (1 working day) would end at 10:00.
            var c = await ReportAtAsync(core, 30, 10);
            var member = await core.MemberAsync(1, "POL");
            await EvaluateAtAsync(core, 11, 30, 20, 45);
            await EvaluateAtAsync(core, 12, 1, 6, 0);     // quiet hours: nothing
            Assert.Empty(Calls(core, "CreateTodo"));

            var report = await EvaluateAtAsync(core, 12, 1, 7, 30);
            Assert.Equal(1, report.TodosReleased);
            var create = Assert.Single(Calls(core, "CreateTodo"));
            Assert.Equal("1", create.Body.GetProperty("notifyConfigs").GetProperty("dingNotify").GetString());
            Assert.StartsWith("签收线索：", create.Body.GetProperty("subject").GetString());
            Assert.DoesNotContain("accept-due", await LinesForAsync(core, member));   // the to-do told the member; no 1:1 line for it
            Assert.Equal(1, await core.ScalarAsync<long>("SELECT COUNT(*) FROM reminder_sends WHERE step = 'accept-due'"));

            await EvaluateAtAsync(core, 12, 1, 7, 45);
            await EvaluateAtAsync(core, 12, 1, 10, 0);   // the grace ends: already handed over
            Assert.Single(Calls(core, "CreateTodo"));

            // The town head accepts it, not the member who holds the to-do: it is completed.
            var head = await core.TownHeadAsync(1, "POL");
            await ActAsync(core, c, ClueAction.Accept, head);
            var row = Assert.Single(await TodosAsync(core, c.ClueId));
            Assert.NotNull(row.CompletedAt);
            var done = Assert.Single(Calls(core, "UpdateTodo"));
            Assert.True(done.Body.GetProperty("done").GetBoolean());
        });

    [Fact]
    public Task ADutyWithoutAStep_IsHandedOverWhenItsGraceEnds_AtWorkingTime_NotInTheQuietHours() =>
        WithCoreAsync([], async core =>
        {
            // The escalation request at Monday 20:50 waits for the town head; no step reminds of it, its grace ends Tuesday 20:50.
            var c = await ReportAtAsync(core, 30, 9);
            var member = await core.MemberAsync(1, "POL");
            c = await ActAsync(core, c, ClueAction.Accept, member);
            core.Clock.SetChinaTime(2026, 11, 30, 20, 50);
            c = await ActAsync(core, c, ClueAction.Escalate, member, note: "需区级部门协调");
            await EvaluateAtAsync(core, 12, 1, 20, 45);
            await EvaluateAtAsync(core, 12, 1, 21, 0);    // quiet from 21:00
            await EvaluateAtAsync(core, 12, 1, 23, 30);
            Assert.Empty(Calls(core, "CreateTodo"));

            await EvaluateAtAsync(core, 12, 2, 7, 30);    // the next working morning
            var create = Assert.Single(Calls(core, "CreateTodo"));
            Assert.StartsWith("审批上报上级：", create.Body.GetProperty("subject").GetString());
            var row = (await TodosAsync(core, c.ClueId)).Single(t => t.Duty == TodoDuty.ApproveEscalation);
            Assert.Equal(new DateTimeOffset(2026, 12, 2, 7, 30, 0, TimeSpan.FromHours(8)).UtcDateTime,
                await core.ScalarAsync<DateTime>("SELECT released_at FROM todos WHERE id = @id", new { id = row.Id }));
        });

    [Fact]
    public Task TwoBotRunsAtOnce_AndARefire_HandItOverOnce() =>
        WithCoreAsync([], async core =>
        {
            var c = await ReportAtAsync(core, 30, 10);
            core.Clock.SetChinaTime(2026, 12, 1, 7, 30);
            var reminders = core.Get<ReminderService>();
            var runs = await Task.WhenAll(reminders.RunAsync(CancellationToken.None), reminders.RunAsync(CancellationToken.None));
            await reminders.RunAsync(CancellationToken.None);   // the same firing again (a misfire, a recovered job)
            await DrainAsync(core);

            Assert.Equal(1, runs.Sum(r => r.TodosReleased));
            Assert.Single(Calls(core, "CreateTodo"));
            Assert.Equal(1, await core.ScalarAsync<long>("SELECT COUNT(*) FROM todos WHERE task_id IS NOT NULL"));
            Assert.NotNull(Assert.Single(await TodosAsync(core, c.ClueId)).TaskId);
        });

    [Fact]
    public Task ADutyThatEndsAsItIsHandedOver_IsCompletedAtOnce_OrNeverCreated() =>
        WithCoreAsync([], async core =>
        {
            // The evaluator hands it over (its sync row queued, not sent yet) and the member accepts before the outbox runs.
            var c = await ReportAtAsync(core, 30, 10);
            core.Clock.SetChinaTime(2026, 12, 1, 7, 30);
            Assert.Equal(1, (await core.Get<ReminderService>().RunAsync(CancellationToken.None)).TodosReleased);
            await ActAsync(core, c, ClueAction.Accept, await core.MemberAsync(1, "POL"));

            Assert.Empty(Calls(core, "CreateTodo"));   // the sync found the duty ended: nothing to create
            var row = Assert.Single(await TodosAsync(core, c.ClueId));
            Assert.NotNull(row.ClosedAt);
        });

    [Fact]
    public Task SwitchedOff_TheEvaluatorHandsNothingOver_AndTheStepIsAMessage() =>
        WithCoreAsync(new() { ["DingTalk:Todos:Enabled"] = "false" }, async core =>
        {
            await ReportAtAsync(core, 30, 10);
            var report = await EvaluateAtAsync(core, 12, 1, 7, 30);

            Assert.Equal(0, report.TodosReleased);
            Assert.Empty(Calls(core, "CreateTodo"));
            Assert.Contains("accept-due", await LinesForAsync(core, await core.MemberAsync(1, "POL")));
        });

    [Fact]
    public Task NoGrace_EveryDutyIsATodoAtOnce_WithoutADingNotice_AndTheStepStillAMessage() =>
        WithCoreAsync(new() { ["DingTalk:Todos:GraceWorkingDays"] = "0" }, async core =>
        {
            await ReportAtAsync(core, 30, 10);
            var create = Assert.Single(Calls(core, "CreateTodo"));
            Assert.False(create.Body.TryGetProperty("notifyConfigs", out _));

            await EvaluateAtAsync(core, 12, 1, 7, 30);
            Assert.Single(Calls(core, "CreateTodo"));
            Assert.Contains("accept-due", await LinesForAsync(core, await core.MemberAsync(1, "POL")));
        });
}
