using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using SchoolSafety.Bot.Jobs;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Reminders;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.IntegrationTests.MiniApp;

namespace SchoolSafety.IntegrationTests.Bot;

/// <summary>
/// README's demo walk (issue 8) through the hosts: a report in the mini-app host, the handler's reminder once its step
/// falls due on the Bot's clock, and the admin's "send now" digest — each read back from the recorded DingTalk calls
/// (the offline log <c>scripts/run.sh</c> writes). And the clock setting the walk documents: with
/// <c>SchoolSafety:ClockStart</c> the Bot's schedule runs on the moved clock, so its 08:30 comes half a minute later.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class DemoWalkTests(MiniAppHost host) : IClassFixture<MiniAppHost>, IAsyncLifetime
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private readonly string _calls = Path.Combine(Path.GetTempPath(), $"dingtalk-calls-walk-{Guid.NewGuid():N}.jsonl");
    private readonly TestClock _botClock = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        await host.Db.ResetAsync();
        await host.Factory.Services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        File.Delete(_calls);
        return Task.CompletedTask;
    }

    private async Task<WebApplicationFactory<SchoolSafety.Bot.BotEntryPoint>> BotAsync(Action<IWebHostBuilder>? configure = null)
    {
        var quartz = await host.Db.QuartzConnectionStringAsync();
        return new WebApplicationFactory<SchoolSafety.Bot.BotEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:SchoolSafety", host.Db.ConnectionString);
            b.UseSetting("ConnectionStrings:Quartz", quartz);
            b.UseSetting("DingTalk:OfflineLogPath", _calls);
            configure?.Invoke(b);
        });
    }

    /// <summary>The recorded calls of one kind whose message text holds <paramref name="text"/>: (target, text).</summary>
    private List<(string Target, string Text)> Recorded(string method, string text) =>
        (File.Exists(_calls) ? File.ReadAllLines(_calls) : [])
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(c => c.GetProperty("method").GetString() == method)
            .Select(c => (c.GetProperty("target").GetString()!, Text(c.GetProperty("body").GetProperty("msgParam").GetString()!)))
            .Where(c => c.Item2.Contains(text, StringComparison.Ordinal))
            .ToList();

    /// <summary>The recorded to-do creates whose subject holds <paramref name="text"/>.</summary>
    private List<JsonElement> RecordedTodos(string text) =>
        (File.Exists(_calls) ? File.ReadAllLines(_calls) : [])
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(c => c.GetProperty("method").GetString() == "CreateTodo"
                && c.GetProperty("body").GetProperty("subject").GetString()!.Contains(text, StringComparison.Ordinal))
            .ToList();

    /// <summary>A robot message's words: markdown's <c>text</c> or sampleText's <c>content</c>.</summary>
    private static string Text(string msgParam)
    {
        var p = JsonDocument.Parse(msgParam).RootElement;
        return (p.TryGetProperty("text", out var text) ? text : p.GetProperty("content")).GetString()!;
    }

    [Fact]
    public async Task Report_ThenTheHandlersReminderWhenItFallsDue_ThenSendNow_AreRecordedDingTalkCalls()
    {
        await using var bot = await BotAsync(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_botClock)));
        using var _ = bot.CreateClient();
        var dispatcher = bot.Services.GetRequiredService<OutboxDispatcher>();
        var reminders = bot.Services.GetRequiredService<ReminderService>();

        // Tuesday 1 Dec 2026 10:00: school 1's officer reports a police matter through the mini-app API.
        host.Clock.SetChinaTime(2026, 12, 1, 10);
        _botClock.Now = host.Clock.Now;
        var officer = await host.ClientForAsync("demo-school01-officer");
        var form = new MultipartFormDataContent
        {
            { new StringContent("4"), "itemNo" }, { new StringContent("放学时段校门口车辆乱停"), "description" },
            { new StringContent(Guid.NewGuid().ToString()), "idempotencyKey" },
        };
        var reported = await officer.PostAsync("/api/clues", form);
        Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        var clue = await MiniAppHost.JsonAsync(reported);
        var (id, number) = (clue.GetProperty("id").GetInt64(), clue.GetProperty("number").GetString()!);
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Single(Recorded("SendGroupMessage", number));                       // the work group's notice of the new clue

        // Its acceptance is due Wednesday 10:00, so accept-due falls due at 06:00: in the quiet hours, it waits for 07:30.
        // The handler: the school's work-group member of the police line, to whom the report assigned it.
        var handler = await host.Db.ScalarAsync<string>(
            "SELECT u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.assignee_user_id WHERE c.id = @id", new { id });
        _botClock.Now = new DateTimeOffset(2026, 12, 2, 6, 15, 0, China);
        Assert.True((await reminders.RunAsync(CancellationToken.None)).Quiet);
        _botClock.Now = new DateTimeOffset(2026, 12, 2, 7, 30, 0, China);
        var run = await reminders.RunAsync(CancellationToken.None);
        Assert.True(run.Recorded >= 1);
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        // By default (lazy to-dos) the handler's 签收 becomes a DingTalk to-do now, with DingTalk's notification, which stands
        // for accept-due's 1:1 line; with to-dos off or made at once the line is a message (LazyTodoTests).
        Assert.Equal(1, run.TodosReleased);
        var unionId = await host.Db.ScalarAsync<string>("SELECT union_id FROM users WHERE dingtalk_user_id = @handler", new { handler });
        var todo = Assert.Single(RecordedTodos(number));
        Assert.Equal(unionId, todo.GetProperty("target").GetString());
        Assert.Equal("1", todo.GetProperty("body").GetProperty("notifyConfigs").GetProperty("dingNotify").GetString());
        Assert.StartsWith($"签收线索：{number}（余杭区五常中心小学 · ", todo.GetProperty("body").GetProperty("subject").GetString());
        Assert.Empty(Recorded("SendUserMessages", number));

        // The next run does not repeat it.
        _botClock.Now = new DateTimeOffset(2026, 12, 2, 7, 45, 0, China);
        await reminders.RunAsync(CancellationToken.None);
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Single(RecordedTodos(number));
        Assert.Empty(Recorded("SendUserMessages", number));

        // Wednesday 07:50, before the 08:30 run: the admin sends school 1's digest now.
        host.Clock.SetChinaTime(2026, 12, 2, 7, 50);
        _botClock.Now = host.Clock.Now;
        var admin = await host.ClientForAsync("demo-edu-admin");
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/admin/digests/demo-cid-school01/send-now", null)).StatusCode);
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        var digest = Assert.Single(Recorded("SendGroupMessage", "护校安园每日简报"));
        Assert.Equal("demo-cid-school01", digest.Target);
        Assert.Contains("2026年12月2日（星期三）", digest.Text);
        Assert.Contains("- 新增线索：1 条（自上次简报以来）\n- 在办线索：1 条\n- 已超期：0 条", digest.Text);
    }

    [Fact]
    public async Task ClockStart_RunsTheBotsScheduleOnTheMovedClock()
    {
        // Thursday 3 Dec 2026 08:29:30 China time, whatever the real time is.
        await using var bot = await BotAsync(b => b.UseSetting("SchoolSafety:ClockStart", "2026-12-03T08:29:30"));
        using var _ = bot.CreateClient();
        var scheduler = await bot.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

        var digest = await scheduler.GetTrigger(new TriggerKey(DailyDigestJob.Identity));
        var reminder = await scheduler.GetTrigger(new TriggerKey(ReminderJob.Identity));

        Assert.Equal(new DateTimeOffset(2026, 12, 3, 8, 30, 0, China), digest!.NextFireTimeUtc);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 8, 30, 0, China), reminder!.NextFireTimeUtc);
    }
}
