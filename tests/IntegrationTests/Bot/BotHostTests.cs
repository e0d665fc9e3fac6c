using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using SchoolSafety.Bot.Jobs;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Bot;

[Collection(DatabaseCollection.Name)]
public sealed class BotHostTests(TestDatabase db) : IAsyncLifetime
{
    private readonly string _offlineLog = Path.Combine(Path.GetTempPath(), $"dingtalk-calls-{Guid.NewGuid():N}.jsonl");

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        // Quartz's tables belong in their own test database (see QuartzDatabaseAsync); drop any an earlier
        // version of these tests left in the app's test database, where the schema comparison would see them.
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var leftovers = await conn.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'QRTZ\\_%'");
        await conn.ExecuteAsync("SET FOREIGN_KEY_CHECKS = 0");
        foreach (var table in leftovers)
            await conn.ExecuteAsync($"DROP TABLE `{table}`");
        await conn.ExecuteAsync("SET FOREIGN_KEY_CHECKS = 1");
    }

    public Task DisposeAsync()
    {
        File.Delete(_offlineLog);
        return Task.CompletedTask;
    }

    /// <summary>A real clue at demo school 1 (the demo loaded through the host), with the rows its report queued removed.</summary>
    private async Task<(long ClueId, string Number)> ReportClueAsync(IServiceProvider services)
    {
        await services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var officer = await conn.QuerySingleAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = 'demo-school01-officer'");
        var outcome = await services.GetRequiredService<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = officer, ItemNo = 4, Description = "校门口车辆违停", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.True(outcome.Kind == OutcomeKind.Applied, $"{outcome.Kind} {outcome.Code}: {outcome.Message}");
        await conn.ExecuteAsync("DELETE FROM outbox WHERE JSON_EXTRACT(payload, '$.clueId') = @id", new { id = outcome.ClueId });
        return (outcome.ClueId, outcome.Number!);
    }

    private async Task<WebApplicationFactory<SchoolSafety.Bot.BotEntryPoint>> FactoryAsync(params (string Key, string Value)[] settings)
    {
        var quartz = await db.QuartzConnectionStringAsync();
        return new WebApplicationFactory<SchoolSafety.Bot.BotEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Quartz", quartz);
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:SchoolSafety", db.ConnectionString);
            b.UseSetting("DingTalk:OfflineLogPath", _offlineLog);
            foreach (var (key, value) in settings) b.UseSetting(key, value);
        });
    }

    [Fact]
    public async Task ClusteredScheduler_OnMariaDb_RunsOutboxJobThatSendsOfflineWithinSeconds()
    {
        var quartz = await db.QuartzConnectionStringAsync();
        await using var factory = await FactoryAsync(
            ("ConnectionStrings:Quartz", quartz), ("Bot:RunScheduler", "true"), ("Outbox:PollInterval", "00:00:00.500"));
        using var client = factory.CreateClient();
        var (clueId, number) = await ReportClueAsync(factory.Services);
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            var userId = await conn.QuerySingleAsync<long>("""
                INSERT INTO users (dingtalk_user_id, name, created_at, updated_at) VALUES ('bot-test-user', '测试', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
                SELECT LAST_INSERT_ID();
                """);
            await using var tx = await conn.BeginTransactionAsync();
            await new OutboxStore(TimeProvider.System).EnqueueAsync(conn, tx,
                [new OutboxMessage(OutboxTopics.UserNotice, null, new UserNoticePayload(clueId, 1, [userId], "supervised", null))], CancellationToken.None);
            await tx.CommitAsync();
        }

        DateTime? sentAt = null;
        for (var i = 0; i < 100 && sentAt is null; i++)
        {
            await Task.Delay(100);
            await using var conn = await db.DataSource.OpenConnectionAsync();
            sentAt = await conn.QuerySingleAsync<DateTime?>("SELECT sent_at FROM outbox WHERE topic = @t", new { t = OutboxTopics.UserNotice });
        }

        Assert.NotNull(sentAt);
        var scheduler = await factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        Assert.Equal(SchedulerStatus.Running, scheduler.Status);
        await using (var conn = new MySqlConnector.MySqlConnection(quartz))
            Assert.Equal(1, await conn.QuerySingleAsync<int>("SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = @n", new { n = OutboxDispatchJob.Identity }));
        // The running scheduler may also have sent the report's own card and group notice before they were removed.
        var line = Assert.Single(await File.ReadAllLinesAsync(_offlineLog), l => l.Contains("SendUserMessages"));
        Assert.Contains($"督办通知：线索 {number}（余杭区五常中心小学", line);
        Assert.Contains("bot-test-user", line);
    }

    /// <summary>Issue 9: a resolved clue nobody rated is 未评价 after 3 working days, by the Bot's scheduled job (its clock the test's).</summary>
    [Fact]
    public async Task RatingJob_AResolvedClueNobodyRated_IsUnratedAfterThreeWorkingDays()
    {
        var clock = new TestClock(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8)));   // a Monday
        await using var factory = (await FactoryAsync(("Bot:RunScheduler", "true"), ("Outbox:PollInterval", "00:10:00")))
            .WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var client = factory.CreateClient();
        var services = factory.Services;
        var (clueId, _) = await ReportClueAsync(services);
        var clues = services.GetRequiredService<ClueService>();
        long member;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
            member = await conn.QuerySingleAsync<long>("""
                SELECT m.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
                 WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
                """);
        var version = 1;
        foreach (var action in new[] { ClueAction.Accept, ClueAction.Resolve })
        {
            var o = await clues.ApplyAsync(new ClueCommand
            {
                ClueId = clueId, Action = action, Version = version, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(member), Note = "已处置",
            });
            Assert.True(o.Kind == OutcomeKind.Applied, $"{action}: {o.Code} {o.Message}");
            version = o.Version!.Value;
        }
        var scheduler = await services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        Assert.NotNull(await scheduler.GetTrigger(new TriggerKey(RatingExpiryJob.Identity)));

        var dispatcher = services.GetRequiredService<OutboxDispatcher>();
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal(1, await OpenRateTodosAsync(clueId));
        var ran = new JobRan(RatingExpiryJob.Identity);
        scheduler.ListenerManager.AddJobListener(ran);

        async Task<string?> RatingAfterTheJobAsync(DateTimeOffset at)
        {
            clock.Now = at;
            var done = ran.Next();
            await scheduler.TriggerJob(new JobKey(RatingExpiryJob.Identity));
            await done.WaitAsync(TimeSpan.FromSeconds(30));
            await using var conn = await db.DataSource.OpenConnectionAsync();
            return await conn.QuerySingleAsync<string?>("SELECT rating FROM clues WHERE id = @clueId", new { clueId });
        }

        Assert.Null(await RatingAfterTheJobAsync(new DateTimeOffset(2026, 12, 3, 9, 59, 0, TimeSpan.FromHours(8))));   // 2 working days and 23 hours
        Assert.Equal("Unrated", await RatingAfterTheJobAsync(new DateTimeOffset(2026, 12, 3, 10, 1, 0, TimeSpan.FromHours(8))));
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal(0, await OpenRateTodosAsync(clueId));   // and the reporter's rating to-do is completed
    }

    private async Task<int> OpenRateTodosAsync(long clueId)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<int>("SELECT COUNT(*) FROM todos WHERE subject_id = @clueId AND duty = 'Rate' AND closed_at IS NULL", new { clueId });
    }

    /// <summary>Completes when the named job has next been executed by the scheduler.</summary>
    private sealed class JobRan(string job) : IJobListener
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "test-" + job;

        public Task Next() => (_next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
        {
            if (context.JobDetail.Key.Name == job)
            {
                if (jobException is null) _next.TrySetResult();
                else _next.TrySetException(jobException);
            }
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Host_Testing_SchedulesOutboxJobWithoutStartingScheduler()
    {
        await using var factory = await FactoryAsync();
        using var client = factory.CreateClient();

        var scheduler = await factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var trigger = await scheduler.GetTrigger(new TriggerKey(OutboxDispatchJob.Identity));

        Assert.NotNull(trigger);
        Assert.Equal(OutboxDispatchJob.Identity, trigger.JobKey.Name);
        Assert.NotEqual(SchedulerStatus.Running, scheduler.Status);
        Assert.IsType<RecordingDingTalkClient>(factory.Services.GetRequiredService<IDingTalkClient>());
    }

    [Fact]
    public async Task Dispatcher_NoCredentials_SendsClueTopicsToOfflineRecordingAndLeavesGridDispatch()
    {
        await using var factory = await FactoryAsync();
        using var client = factory.CreateClient();
        var services = factory.Services;
        var (clueId, number) = await ReportClueAsync(services);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var (schoolId, cid) = await conn.QueryFirstAsync<(long, string)>(
            "SELECT c.school_id, g.open_conversation_id FROM clues c JOIN work_groups g ON g.school_id = c.school_id WHERE c.id = @clueId", new { clueId });
        var users = (await conn.QueryAsync<(long Id, string DingTalkId)>("SELECT id, dingtalk_user_id FROM users WHERE active = 1 ORDER BY id LIMIT 2")).ToList();
        var userIds = users.Select(u => u.Id).ToList();
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await services.GetRequiredService<OutboxStore>().EnqueueAsync(conn, tx,
            [
                new OutboxMessage(OutboxTopics.CardDeliver, ClueService.CardKey(clueId), new CardDeliverPayload(clueId, 1, userIds, "new")),
                new OutboxMessage(OutboxTopics.GroupNotice, null, new GroupNoticePayload(clueId, 1, schoolId, "new")),
                new OutboxMessage(OutboxTopics.UserNotice, null, new UserNoticePayload(clueId, 2, userIds, "urge", null)),
                new OutboxMessage(OutboxTopics.CardUpdate, ClueService.CardKey(clueId), new ClueRefPayload(clueId, 2)),
                new OutboxMessage(OutboxTopics.GridDispatch, $"grid:{clueId}", new ClueRefPayload(clueId, 3)),
            ], CancellationToken.None);
            await tx.CommitAsync();
        }

        var report = await services.GetRequiredService<OutboxDispatcher>().DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(4, report.Sent);
        var recorded = services.GetRequiredService<RecordingDingTalkClient>().Calls;
        Assert.Equal(["CreateAndDeliverCard", "SendGroupMessage", "SendUserMessages", "UpdateCard"], recorded.Select(c => c.Method).Order().ToArray());
        Assert.Equal(cid, recorded.Single(c => c.Method == "SendGroupMessage").Target);
        Assert.Equal(string.Join(',', users.Select(u => u.DingTalkId)), recorded.Single(c => c.Method == "SendUserMessages").Target);
        var lines = await File.ReadAllLinesAsync(_offlineLog);
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l =>
        {
            var json = JsonDocument.Parse(l).RootElement;
            Assert.False(string.IsNullOrEmpty(json.GetProperty("method").GetString()));
            Assert.False(string.IsNullOrEmpty(json.GetProperty("target").GetString()));
            Assert.True(json.TryGetProperty("body", out _));
        });
        Assert.Contains($"催办提醒：线索 {number}（余杭区五常中心小学 · 治安/校园安保）请尽快处理。", lines.Single(l => l.Contains("SendUserMessages")));
        var group = lines.Single(l => l.Contains("SendGroupMessage"));
        Assert.Contains("新线索上报", group);
        Assert.Contains(number, group);
        Assert.DoesNotContain("校门口车辆违停", group);   // a chat notice never carries the description
        var grid = await conn.QuerySingleAsync<(DateTime? SentAt, int Attempts)>(
            "SELECT sent_at, attempts FROM outbox WHERE topic = @t", new { t = OutboxTopics.GridDispatch });
        Assert.Null(grid.SentAt);
        Assert.Equal(0, grid.Attempts);
    }
}
