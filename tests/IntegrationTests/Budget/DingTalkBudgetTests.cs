using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Digests;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Budget;

/// <summary>The DingTalk budget: metered calls counted per month and API as they are sent; the 80 % warning; digests wait past it.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DingTalkBudgetTests(CoreServices core) : IClassFixture<CoreServices>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await core.Db.ResetAsync();
        await core.Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<OutboxRunReport> DrainAsync() => core.Get<OutboxDispatcher>().DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);

    private async Task ReportAsync()
    {
        core.Clock.SetChinaTime(2026, 12, 1, 9);
        var outcome = await core.Get<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = await core.UserAsync("demo-school01-officer"), ItemNo = 4, Description = "校门口车辆违停", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
    }

    [Fact]
    public async Task SentCalls_AreCountedPerMonthAndApi_LoginAndContactsAreNot()
    {
        await ReportAsync();
        await DrainAsync();
        await core.Get<RecordingDingTalkClient>().GetUserByAuthCodeAsync("x", CancellationToken.None);

        var report = await core.Get<DingTalkUsage>().ReportAsync(null, CancellationToken.None);
        Assert.Equal("2026-12", report.Month);
        Assert.Equal(5000, report.Budget);
        // The handler's card and the group notice; their to-do waits through its grace (LazyTodoTests).
        Assert.Equal([("card.instances.createAndDeliver", 1L), ("robot.groupMessages.send", 1L)],
            report.ByApi.Select(r => (r.Api, r.Calls)).Order().ToArray());
        Assert.Equal(2, report.Used);
        Assert.False(report.Warned);
    }

    [Fact]
    public async Task At80Percent_TheAdminsAreWarnedOnce()
    {
        await using (var conn = await core.Db.DataSource.OpenConnectionAsync())
            await conn.ExecuteAsync("INSERT INTO dingtalk_usage (month, api, calls) VALUES ('2026-12', 'robot.groupMessages.send', 3998)");
        core.Clock.SetChinaTime(2026, 12, 1, 9);
        var usage = core.Get<DingTalkUsage>();
        await usage.CountAsync("card.instances.update", CancellationToken.None);   // 3,999: below
        Assert.Equal(0, await core.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = @t", new { t = OutboxTopics.BudgetWarning }));
        await usage.CountAsync("card.instances.update", CancellationToken.None);   // 4,000 = 80 %
        await usage.CountAsync("card.instances.update", CancellationToken.None);

        Assert.Equal(1, await core.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = @t", new { t = OutboxTopics.BudgetWarning }));
        await DrainAsync();
        var call = Assert.Single(core.Get<RecordingDingTalkClient>().Calls, c => c.Target == "demo-edu-admin" && c.Method == "SendUserMessages");
        Assert.Contains("钉钉接口用量提醒：本月（2026-12）已使用 4,000 次，达到月度额度 5,000 次的 80%。", System.Text.Json.JsonSerializer.Serialize(call.Body, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.True((await usage.ReportAsync(null, CancellationToken.None)).Warned);
    }

    [Fact]
    public async Task PastTheBudget_DigestsWait_WhileCardsAndHandlerMessagesGo_AndGoInTheNextMonth()
    {
        await using (var conn = await core.Db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("INSERT INTO dingtalk_usage (month, api, calls) VALUES ('2026-12', 'robot.groupMessages.send', 5000)");
            await conn.ExecuteAsync("INSERT INTO app_settings (name, value, updated_at) VALUES ('dingtalk.budget_warned.2026-12', '4000', UTC_TIMESTAMP())");
        }
        await ReportAsync();
        core.Clock.SetChinaTime(2026, 12, 2, 8, 30);
        Assert.Equal(1, (await core.Get<DigestService>().RunAsync(CancellationToken.None)).Queued);

        await DrainAsync();
        var methods = core.Get<RecordingDingTalkClient>().Calls.Select(c => (c.Method, c.Target)).ToList();
        Assert.Contains(methods, m => m.Method == "CreateAndDeliverCard");
        Assert.Contains(methods, m => m.Target == "demo-cid-school01" && m.Method == "SendGroupMessage");   // the new clue's group notice
        Assert.Single(methods, m => m.Target == "demo-cid-school01");                                         // …but not the digest
        Assert.Equal(1, await core.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = @t AND sent_at IS NULL AND attempts = 0", new { t = OutboxTopics.Digest }));

        core.Clock.SetChinaTime(2027, 1, 4, 8, 0);   // a new month, a new budget
        await DrainAsync();
        Assert.Equal(0, await core.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = @t AND sent_at IS NULL", new { t = OutboxTopics.Digest }));
    }
}
