using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Reminders;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Reminders;

/// <summary>The reminder step table on the real database with a test clock: each step once, at the right working time.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ReminderServiceTests(CoreServices core) : IClassFixture<CoreServices>, IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private ReminderService Reminders => core.Get<ReminderService>();

    public async Task InitializeAsync()
    {
        await core.Db.ResetAsync();
        await core.Get<DemoDistrict>().LoadAsync(CancellationToken.None);
        // No guidance window open in these tests (the defaults would add guidance lines in June and September).
        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        await core.Get<ReminderStore>().ReplaceWindowsAsync(conn, 2026, [GuidanceWindows.Window(2026, 1, "测试", new(2026, 1, 5), new(2026, 1, 6))], CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ActionOutcome> ReportAsync(int y, int mo, int d, int h, int school = 1, int item = 4)
    {
        core.Clock.SetChinaTime(y, mo, d, h);
        var outcome = await core.Get<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = await core.UserAsync($"demo-school{school:D2}-officer"), ItemNo = item,
            Description = "校门口有无证摊贩占道经营", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        return outcome;
    }

    private async Task<ActionOutcome> ActAsync(ActionOutcome on, ClueAction action, long user, string? note = null)
    {
        var outcome = await core.Get<ClueService>().ApplyAsync(new ClueCommand
        {
            ClueId = on.ClueId, Action = action, Version = on.Version!.Value, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = ActorRef.User(user), Note = note,
        });
        Assert.True(outcome.Kind == OutcomeKind.Applied, $"{action}: {outcome.Kind} {outcome.Message}");
        return outcome;
    }

    private async Task<ReminderRunReport> RunAtAsync(int y, int mo, int d, int h, int mi = 0)
    {
        core.Clock.SetChinaTime(y, mo, d, h, mi);
        return await Reminders.RunAsync(CancellationToken.None);
    }

    /// <summary>Every reminder row queued so far: (user, [(clue, step)]).</summary>
    private async Task<List<ReminderPayload>> QueuedAsync() =>
        (await core.QueryAsync<string>("SELECT payload FROM outbox WHERE topic = @t ORDER BY id", new { t = ReminderMessages.Topic }))
            .Select(p => JsonSerializer.Deserialize<ReminderPayload>(p, Json)!).ToList();

    /// <summary>The clue lines queued (the seeded work-list tasks, long past their 2026 deadlines, remind their liaisons too).</summary>
    private static List<(long User, string Step)> Flat(IEnumerable<ReminderPayload> rows) =>
        rows.SelectMany(r => r.UserIds.SelectMany(u => r.Items.Where(i => i.Kind == SubjectKind.Clue).Select(i => (u, i.Step)))).ToList();

    private Task<long> ClueStepsRecordedAsync() => core.ScalarAsync<long>("SELECT COUNT(*) FROM reminder_sends WHERE subject_kind = 'Clue'");

    [Fact]
    public async Task AcceptSteps_FireAtTheirWorkingTime_EachOnce()
    {
        // Monday 30 Nov 10:00: accept within 1 working day → due Tuesday 1 Dec 10:00; accept-due 4 working hours before.
        var c = await ReportAsync(2026, 11, 30, 10);
        var member = await core.MemberAsync(1, "POL");
        var head = await core.TownHeadAsync(1, "POL");

        await RunAtAsync(2026, 11, 30, 15);                                   // nothing due yet
        Assert.Equal(0, await ClueStepsRecordedAsync());
        Assert.True((await RunAtAsync(2026, 12, 1, 6, 0)).Quiet);             // 06:00 falls due, but quiet hours
        Assert.Empty(Flat(await QueuedAsync()));

        await RunAtAsync(2026, 12, 1, 7, 30);                                 // the working morning: it goes out now
        Assert.Equal([(member, "accept-due")], Flat(await QueuedAsync()));
        Assert.Equal(0, (await RunAtAsync(2026, 12, 1, 7, 45)).Recorded);     // a re-fire queues nothing again
        Assert.Equal(0, (await RunAtAsync(2026, 12, 1, 9, 45)).Recorded);

        await RunAtAsync(2026, 12, 1, 10, 0);                                  // deadline passed: handler and unit head
        var all = Flat(await QueuedAsync());
        Assert.Equal(3, all.Count);
        Assert.Contains((member, "accept-overdue"), all);
        Assert.Contains((head, "accept-overdue"), all);
        // The same lines for two people: one message, one DingTalk call, to both.
        Assert.Single(await QueuedAsync(), r => r.Items.Any(i => i.Step == "accept-overdue") && r.UserIds.Order().SequenceEqual(new[] { member, head }.Order()));
        Assert.Equal(0, (await RunAtAsync(2026, 12, 1, 10, 15)).Recorded);
        Assert.Equal(2, await core.ScalarAsync<long>("SELECT COUNT(*) FROM reminder_sends WHERE subject_kind = 'Clue' AND subject_id = @id", new { id = c.ClueId }));
    }

    [Fact]
    public async Task MovedClue_StopsItsPendingSteps()
    {
        var c = await ReportAsync(2026, 11, 30, 10);
        core.Clock.SetChinaTime(2026, 11, 30, 11);
        await ActAsync(c, ClueAction.Accept, await core.MemberAsync(1, "POL"));

        await RunAtAsync(2026, 12, 1, 7, 30);
        await RunAtAsync(2026, 12, 1, 10, 30);
        Assert.Empty(Flat(await QueuedAsync()));   // accepted first: neither accept step goes
    }

    /// <summary>Issue 9: an approved extension moves the due time, and the reminder steps follow the new date, not the old.</summary>
    [Fact]
    public async Task Extension_Approved_TheStepsFollowTheNewDueTime()
    {
        var c = await ReportAsync(2026, 11, 30, 10);
        var member = await core.MemberAsync(1, "POL");
        var head = await core.TownHeadAsync(1, "POL");
        core.Clock.SetChinaTime(2026, 11, 30, 11);
        c = await ActAsync(c, ClueAction.Accept, member);
        var due = await core.ScalarAsync<DateTime>("SELECT due_at FROM clues WHERE id = @id", new { id = c.ClueId });
        var later = due.AddDays(7);   // the same weekday and time a week on
        var asked = await core.Get<ClueService>().ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.RequestExtension, Version = c.Version, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = ActorRef.User(member), Note = "需等待检测结果", NewDueAt = later,
        });
        Assert.Equal(OutcomeKind.Applied, asked.Kind);
        await ActAsync(asked, ClueAction.ApproveExtension, head);
        Assert.Equal(later, await core.ScalarAsync<DateTime>("SELECT due_at FROM clues WHERE id = @id", new { id = c.ClueId }));

        core.Clock.Now = new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc)).AddMinutes(5);   // the old due time has passed
        await Reminders.RunAsync(CancellationToken.None);
        Assert.DoesNotContain(Flat(await QueuedAsync()), f => f.Step is "overdue" or "due-soon");

        core.Clock.Now = new DateTimeOffset(DateTime.SpecifyKind(later, DateTimeKind.Utc)).AddMinutes(5);   // the new one has
        await Reminders.RunAsync(CancellationToken.None);
        Assert.Contains((member, "overdue"), Flat(await QueuedAsync()));
    }

    [Fact]
    public async Task QuietHoursAndHoliday_DeferToTheNextWorkingMorning()
    {
        // Wednesday 23 Sep 22:00 → accept due Thursday 24 Sep 22:00, in the quiet hours; 25–27 Sep is 中秋节.
        await ReportAsync(2026, 9, 23, 22);
        await RunAtAsync(2026, 9, 24, 18);                    // accept-due (4 h before) goes out at 18:00
        Assert.Equal(["accept-due"], Flat(await QueuedAsync()).Select(f => f.Step).ToArray());
        Assert.True((await RunAtAsync(2026, 9, 24, 22, 0)).Quiet);
        Assert.True((await RunAtAsync(2026, 9, 25, 10, 0)).Quiet);   // holiday
        Assert.True((await RunAtAsync(2026, 9, 27, 10, 0)).Quiet);
        Assert.True((await RunAtAsync(2026, 9, 28, 7, 15)).Quiet);
        await RunAtAsync(2026, 9, 28, 7, 30);                // Monday morning
        Assert.Equal(2, Flat(await QueuedAsync()).Count(f => f.Step == "accept-overdue"));
    }

    [Fact]
    public async Task TwoStepsForOnePerson_BecomeOneMessageListingEveryClue()
    {
        var a = await ReportAsync(2026, 11, 30, 10);
        var b = await ReportAsync(2026, 11, 30, 10, item: 5);   // same line (POL), same member
        var member = await core.MemberAsync(1, "POL");
        await RunAtAsync(2026, 12, 1, 7, 30);

        var row = Assert.Single(await QueuedAsync(), r => r.UserIds.Contains(member));
        Assert.Equal([member], row.UserIds);
        Assert.Equal([(a.ClueId, "accept-due"), (b.ClueId, "accept-due")], row.Items.Select(i => (i.Id, i.Step)).Order().ToArray());

        var renderer = core.Services.GetServices<IOutboxTopicRenderer>().OfType<ReminderRenderer>().Single();
        var rendered = await renderer.RenderAsync(
            new OutboxEnvelope(1, ReminderMessages.Topic, null, JsonSerializer.Serialize(row, Json), 1), CancellationToken.None);
        var message = Assert.IsType<OutboxDelivery.UserMessages>(rendered);
        Assert.Equal(await core.QueryAsync<string>("SELECT dingtalk_user_id FROM users WHERE id = @member", new { member }), message.UserIds);
        var text = JsonDocument.Parse(message.Message.MsgParam).RootElement.GetProperty("text").GetString()!;
        Assert.StartsWith("### 待办提醒\n您有 2 项事项需要处理：\n\n", text);
        Assert.Contains($"- 【即将超过签收期限】{a.Number}（余杭区五常中心小学 · 治安/校园安保），期限 2026-12-01 10:00", text);
        Assert.Contains($"- 【即将超过签收期限】{b.Number}（余杭区五常中心小学 · ", text);
        Assert.DoesNotContain("无证摊贩", text);
        Assert.EndsWith("[在小程序中处理](dingtalk://dingtalkclient/page/link?url=http%3A%2F%2F127.0.0.1%3A5080%2Ftodos&pc_slide=true)", text);   // the chatbot's to-do page too
    }

    [Fact]
    public async Task Overdue3_SendsTheLiaisonAndEduAdminTheCard_WhoseSuperviseButtonSupervises()
    {
        var c = await ReportAsync(2026, 11, 30, 10);
        var member = await core.MemberAsync(1, "POL");
        core.Clock.SetChinaTime(2026, 11, 30, 11);
        c = await ActAsync(c, ClueAction.Accept, member);   // resolve due: 5 working days → Mon 7 Dec 11:00

        await RunAtAsync(2026, 12, 7, 11, 0);                // overdue
        Assert.Contains((member, "overdue"), Flat(await QueuedAsync()));
        await RunAtAsync(2026, 12, 10, 10, 45);              // 3 working days past is Thu 10 Dec 11:00: not yet
        Assert.Equal(0, await core.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.reason') = 'overdue-3'"));
        await RunAtAsync(2026, 12, 10, 11, 0);
        await RunAtAsync(2026, 12, 10, 11, 15);
        var card = Assert.Single(await core.QueryAsync<string>("SELECT payload FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.reason') = 'overdue-3'"));
        var payload = JsonSerializer.Deserialize<CardDeliverPayload>(card, Json)!;
        var admin = await core.UserAsync("demo-edu-admin");
        var liaison = await core.UserAsync("demo-POL-liaison");
        Assert.Equal(new[] { admin, liaison }.Order().ToArray(), payload.UserIds.Order().ToArray());

        // The card is delivered (the dispatcher records who holds a copy); the admin's copy shows 挂牌督办, and pressing it
        // supervises the clue for the default working days.
        await core.Get<OutboxDispatcher>().DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        // The card exists (the report made it) and DingTalk makes an outTrackId once: an update gives the admin and the
        // liaison their private buttons, then the card is delivered to them. No second create.
        var track = CardComposer.OutTrackId(c.ClueId);
        var onCard = core.Get<RecordingDingTalkClient>().Calls.Where(x => x.Target == track).Select(x => x.Method).ToList();
        Assert.Equal(["CreateAndDeliverCard", "UpdateCard", "UpdateCard", "DeliverCard"], onCard);   // report; accept's refresh; overdue-3
        var calls = core.Get<RecordingDingTalkClient>().Calls.Where(x => x.Target == track).ToList();
        var adminButtons = calls[2].Body.GetProperty("privateData").GetProperty("demo-edu-admin").GetProperty("cardParamMap");
        Assert.Equal("true", adminButtons.GetProperty("btn_" + CardComposer.Code(ClueAction.Supervise)).GetString());
        Assert.Equal(new[] { "IM_ROBOT.demo-POL-liaison", "IM_ROBOT.demo-edu-admin" }.Order(StringComparer.Ordinal),
            calls[3].Body.GetProperty("openSpaceId").GetString()!["dtv1.card//".Length..].Split(';').Order(StringComparer.Ordinal));
        var version = await core.ScalarAsync<int>("SELECT version FROM clues WHERE id = @id", new { id = c.ClueId });
        var reply = await core.Get<CardCallbackService>().HandleAsync(new CardCallback(CardComposer.OutTrackId(c.ClueId), "demo-edu-admin", null,
            new Dictionary<string, string> { ["action"] = "supervise", ["clueId"] = c.ClueId.ToString(), ["version"] = version.ToString() }), CancellationToken.None);
        Assert.Equal("true", reply.CardData!.CardParamMap["supervised"]);
        Assert.Equal("2026-12-15 11:15", reply.CardData.CardParamMap["supervisionDueAt"]);

        // From the next working morning the supervised step reminds handler and unit head daily, once a day.
        await RunAtAsync(2026, 12, 11, 8, 0);
        await RunAtAsync(2026, 12, 11, 9, 0);
        Assert.Equal(2, Flat(await QueuedAsync()).Count(f => f.Step == "supervised"));
    }

    [Fact]
    public async Task Rate_AsksTheReporterOneWorkingDayAfterTheResolve_Once()
    {
        var c = await ReportAsync(2026, 11, 30, 9);
        var member = await core.MemberAsync(1, "POL");
        core.Clock.SetChinaTime(2026, 11, 30, 10);
        c = await ActAsync(c, ClueAction.Accept, member);
        core.Clock.SetChinaTime(2026, 11, 30, 11);
        await ActAsync(c, ClueAction.Resolve, member, note: "已劝离");
        var reporter = await core.UserAsync("demo-school01-officer");

        await RunAtAsync(2026, 12, 1, 10, 45);
        Assert.DoesNotContain((reporter, "rate"), Flat(await QueuedAsync()));
        await RunAtAsync(2026, 12, 1, 11, 0);
        await RunAtAsync(2026, 12, 1, 11, 15);
        Assert.Single(Flat(await QueuedAsync()), f => f == (reporter, "rate"));
    }

    [Fact]
    public async Task DueSoonConfirmDueAndTaskDeadlineSoon_FireAtTheirWorkingTimes_EachOnce()
    {
        // An accepted clue: resolve due Mon 7 Dec 11:00, so due-soon (1 working day before) is Fri 4 Dec 11:00.
        var c = await ReportAsync(2026, 11, 30, 10);
        var member = await core.MemberAsync(1, "POL");
        core.Clock.SetChinaTime(2026, 11, 30, 11);
        await ActAsync(c, ClueAction.Accept, member);
        // A clue back from the four platforms, awaiting its dispatching unit's confirmation by Tue 8 Dec 10:00.
        var d = await ReportAsync(2026, 11, 30, 10, school: 2);
        var unit = await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @head AND role = 'UnitHead'", new { head = await core.TownHeadAsync(2, "POL") });
        await core.ScalarAsync<long>("""
            UPDATE clues SET state = 'PendingConfirmation', dispatching_unit_id = @unit, due_at = @due WHERE id = @id;
            SELECT ROW_COUNT();
            """, new { unit, due = new DateTime(2026, 12, 8, 2, 0, 0, DateTimeKind.Utc), id = d.ClueId });
        var unitStaff = await core.QueryAsync<long>("SELECT user_id FROM memberships WHERE unit_id = @unit AND role IN ('Handler', 'UnitHead') ORDER BY user_id", new { unit });
        Assert.NotEmpty(unitStaff);
        // A work-list task of the police line due Mon 14 Dec: task-deadline-soon 5 working days before, Mon 7 Dec (00:00, quiet).
        var task = await core.ScalarAsync<long>("INSERT INTO worklist_tasks (item_no, seq, text_zh, due) VALUES (4, 99, '测试任务', '2026-12-14'); SELECT LAST_INSERT_ID();");
        try
        {
            var liaison = await core.UserAsync("demo-POL-liaison");
            List<(long User, string Step)> Lines(IEnumerable<ReminderPayload> rows) =>
                rows.SelectMany(r => r.UserIds.SelectMany(u => r.Items.Select(i => (u, i.Kind == SubjectKind.Task && i.Id != task ? "" : i.Step)))).ToList();

            await RunAtAsync(2026, 12, 4, 10, 45);
            Assert.DoesNotContain((member, "due-soon"), Lines(await QueuedAsync()));
            await RunAtAsync(2026, 12, 4, 11, 0);
            await RunAtAsync(2026, 12, 4, 11, 15);
            Assert.Single(Lines(await QueuedAsync()), l => l == (member, "due-soon"));
            Assert.DoesNotContain(Lines(await QueuedAsync()), l => l.Step == "task-deadline-soon");

            await RunAtAsync(2026, 12, 7, 7, 30);
            await RunAtAsync(2026, 12, 7, 7, 45);
            Assert.Equal([(liaison, "task-deadline-soon")], Lines(await QueuedAsync()).Where(l => l.Step == "task-deadline-soon").ToArray());

            await RunAtAsync(2026, 12, 8, 9, 45);
            Assert.DoesNotContain(Lines(await QueuedAsync()), l => l.Step == "confirm-due");
            await RunAtAsync(2026, 12, 8, 10, 0);
            await RunAtAsync(2026, 12, 8, 10, 15);
            Assert.Equal(unitStaff, Lines(await QueuedAsync()).Where(l => l.Step == "confirm-due").Select(l => l.User).Order().ToList());
        }
        finally
        {
            await core.ScalarAsync<long>("DELETE FROM worklist_tasks WHERE id = @task; SELECT ROW_COUNT();", new { task });
        }
    }

    [Fact]
    public async Task TwoEvaluatorsAtOnce_QueueEachStepOnce()
    {
        for (var i = 0; i < 5; i++) await ReportAsync(2026, 11, 30, 10, school: i + 1);
        core.Clock.SetChinaTime(2026, 12, 1, 10, 30);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Reminders.RunAsync(CancellationToken.None))));
        Assert.Equal(5, await ClueStepsRecordedAsync());   // accept-overdue for five clues (accept-due has expired)
        var lines = (await QueuedAsync()).SelectMany(r => r.UserIds.SelectMany(u => r.Items.Where(i => i.Kind == SubjectKind.Clue).Select(i => (u, i.Id, i.Step)))).ToList();
        Assert.Equal(lines.Distinct().Count(), lines.Count);
        Assert.Equal(5, lines.Select(l => l.Id).Distinct().Count());
    }
}
