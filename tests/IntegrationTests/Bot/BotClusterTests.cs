using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;
using SchoolSafety.Core;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.DingTalk;
using SchoolSafety.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace SchoolSafety.IntegrationTests.Bot;

/// <summary>
/// Two real Bot processes on one MariaDB (Quartz clustered, 1 s check-in). The digest job runs on one of them, which is
/// killed (SIGKILL, not a stop) half-way through its run; the other carries on, and every chat's digest is sent exactly
/// once — counted at WireMock, where the real DingTalk client sends them.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class BotClusterTests(TestDatabase db) : IAsyncLifetime
{
    private const int ExtraChats = 200;
    private readonly DingTalkFake _dingTalk = new();
    private readonly List<Process> _bots = [];

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        _dingTalk.Api.Given(Request.Create().WithPath("/v1.0/robot/groupMessages/send").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { processQueryKey = "pqk" }));
    }

    public async Task DisposeAsync()
    {
        foreach (var p in _bots)
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            p.Dispose();
        }
        foreach (var log in Directory.GetFiles(Path.GetTempPath(), "schoolsafety-cluster-bot-*.log")) File.Delete(log);
        _dingTalk.Dispose();
        await db.ResetAsync();
    }

    /// <summary>A fresh database for this test's QRTZ_ tables, so no scheduler of another test is in its cluster.</summary>
    private async Task<string> FreshQuartzDatabaseAsync()
    {
        var b = new MySqlConnectionStringBuilder(db.ConnectionString);
        b.Database += "_quartz_cluster";
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync($"DROP DATABASE IF EXISTS `{b.Database}`");
            await conn.ExecuteAsync($"CREATE DATABASE `{b.Database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        }
        return b.ConnectionString;
    }

    private static string BotFolder()
    {
        // tests/IntegrationTests/bin/<Configuration>/net10.0/ → src/Bot/bin/<Configuration>/net10.0/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SchoolSafety.sln"))) root = root.Parent;
        var folder = Path.Combine(root!.FullName, "src", "Bot", "bin", configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(folder, "SchoolSafety.Bot.dll")), $"build the Bot first: {folder}");
        return folder;
    }

    private Process StartBot(string instance, string quartz)
    {
        var start = new ProcessStartInfo("dotnet", "SchoolSafety.Bot.dll")
        {
            WorkingDirectory = BotFolder(), RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["ConnectionStrings__SchoolSafety"] = db.ConnectionString,
            ["ConnectionStrings__Quartz"] = quartz,
            ["DingTalk__AppKey"] = "dingappkey",
            ["DingTalk__AppSecret"] = "app-secret",
            ["DingTalk__ApiBaseUrl"] = _dingTalk.Api.Url!,
            ["DingTalk__LegacyBaseUrl"] = _dingTalk.Legacy.Url!,
            ["Bot__RunScheduler"] = "true",
            ["Bot__InstanceId"] = instance,
            ["Bot__CheckinInterval"] = "00:00:01",
            ["Bot__CheckinMisfireThreshold"] = "00:00:02",
            // Monday 30 Nov 2026 08:30 China time in both processes: every empty chat is due its weekly note.
            ["SchoolSafety__ClockStart"] = "2026-11-30T08:30:00",
            ["Schedule__DigestCronOverride"] = "0/2 * * * * ?",
            ["Schedule__DigestBatchSize"] = "1",
            ["Schedule__ReminderCron"] = "0 0 0 1 1 ? 2099",
            // The processes only queue; the outbox is drained by the test afterwards (a row in flight when a process is
            // killed may be sent again — the outbox is at-least-once; the digest's record is what makes it once).
            ["Outbox__PollInterval"] = "01:00:00",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (k, v) in env) start.Environment[k] = v;
        var p = Process.Start(start)!;
        var log = Path.Combine(Path.GetTempPath(), $"schoolsafety-cluster-{instance}.log");
        File.Delete(log);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_bots) File.AppendAllText(log, e.Data + "\n"); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_bots) File.AppendAllText(log, e.Data + "\n"); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _bots.Add(p);
        return p;
    }

    private async Task<long> ScalarAsync(string sql, object? args = null)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(sql, args);
    }

    private Task<long> RecordedAsync() => ScalarAsync("SELECT COUNT(*) FROM digest_sends WHERE day = '2026-11-30'");

    [Fact]
    public async Task TwoBots_OneKilledMidDigest_EveryDigestSentExactlyOnce()
    {
        var quartz = await FreshQuartzDatabaseAsync();
        long chats;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await BuildServices(null).GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
            var town = await conn.ExecuteScalarAsync<long>("SELECT id FROM regions WHERE level = 'Town' ORDER BY id LIMIT 1");
            var values = string.Join(", ", Enumerable.Range(1, ExtraChats).Select(i => $"({town}, '集群测试小学{i:D4}')"));
            await conn.ExecuteAsync($"INSERT INTO schools (town_id, name) VALUES {values}");
            await conn.ExecuteAsync("""
                INSERT INTO work_groups (school_id, name, open_conversation_id)
                SELECT id, CONCAT(name, '工作组'), CONCAT('cluster-cid-', id) FROM schools WHERE name LIKE '集群测试小学%'
                """);
            chats = await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM work_groups WHERE open_conversation_id IS NOT NULL");
        }

        var a = StartBot("bot-a", quartz);
        var b = StartBot("bot-b", quartz);

        // Wait until the digest run is under way on one of them, then kill that process outright.
        string? runner = null;
        var watch = Stopwatch.StartNew();
        while (runner is null && watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            var recorded = await RecordedAsync();
            Assert.True(recorded < chats, "the digest run finished before it could be interrupted");
            if (recorded > 0)
            {
                await using var q = new MySqlConnection(quartz);
                runner = await q.ExecuteScalarAsync<string?>(
                    "SELECT INSTANCE_NAME FROM QRTZ_FIRED_TRIGGERS WHERE TRIGGER_NAME = 'daily-digest' AND STATE = 'EXECUTING' LIMIT 1");
            }
            if (runner is null) await Task.Delay(20);
        }
        Assert.NotNull(runner);
        var (killed, survivor) = runner!.StartsWith("bot-a") ? (a, b) : (b, a);
        killed.Kill(entireProcessTree: true);
        await killed.WaitForExitAsync();
        var atKill = await RecordedAsync();
        Assert.InRange(atKill, 1, chats - 1);

        // The survivor finishes the day's digests (recovering the dead instance's job, or on its next firing).
        watch.Restart();
        while (await RecordedAsync() < chats && watch.Elapsed < TimeSpan.FromSeconds(120)) await Task.Delay(200);
        Assert.Equal(chats, await RecordedAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));   // further firings on the survivor queue nothing
        Assert.False(survivor.HasExited);
        survivor.Kill(entireProcessTree: true);
        await survivor.WaitForExitAsync();
        Assert.Equal(chats, await ScalarAsync("SELECT COUNT(*) FROM outbox WHERE topic = @t", new { t = OutboxTopics.Digest }));

        // Send them through the real client to WireMock: one message per chat.
        var dispatcher = BuildServices(_dingTalk).GetRequiredService<OutboxDispatcher>();
        var report = await dispatcher.DrainAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.Equal((int)chats, report.Sent);
        var perChat = _dingTalk.Calls(_dingTalk.Api, "/v1.0/robot/groupMessages/send")
            .Select(e => JsonDocument.Parse(e.RequestMessage.Body!).RootElement.GetProperty("openConversationId").GetString())
            .GroupBy(c => c).ToList();
        Assert.Equal(chats, perChat.Count);
        Assert.All(perChat, g => Assert.Single(g));
    }

    /// <summary>Core's services on the test database; with <paramref name="dingTalk"/>, the real client pointed at it.</summary>
    private IServiceProvider BuildServices(DingTalkFake? dingTalk)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:SchoolSafety"] = db.ConnectionString, ["Outbox:Concurrency"] = "16" };
        if (dingTalk is not null)
        {
            settings["DingTalk:AppKey"] = "dingappkey";
            settings["DingTalk:AppSecret"] = "app-secret";
            settings["DingTalk:ApiBaseUrl"] = dingTalk.Api.Url;
            settings["DingTalk:LegacyBaseUrl"] = dingTalk.Legacy.Url;
            settings["DingTalk:CallsPerSecondPerApi"] = "1000";
        }
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSchoolSafetyCore();
        return builder.Services.BuildServiceProvider();
    }
}
