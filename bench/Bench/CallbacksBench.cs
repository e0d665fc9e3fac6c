using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SchoolSafety.Callbacks;
using SchoolSafety.Core;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Bench;

/// <summary>
/// Signed card callbacks (a handler's 签收 click: verify, map the user, ClueService.ApplyAsync, read the clue back, compose the
/// reply) against the real Callbacks host on Kestrel and MariaDB, and in the same run a bare endpoint in the same host doing one
/// insert+commit. (1) a steady open-loop rate: p50/p99 for both; (2) saturation, closed loop: throughput for both.
/// Targets: p99 &lt; 100 ms at 200 callbacks/s; saturated callback throughput ≥ 0.5 × the bare endpoint's.
/// </summary>
public static class CallbacksBench
{
    private const string Secret = "bench-card-secret";

    public static async Task RunAsync(string[] args)
    {
        var cs = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        var saturationSeconds = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 5;

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:SchoolSafety"] = cs, ["DingTalk:CardCallbackSecret"] = Secret, ["Inbox:RunWorker"] = "false",
        });
        builder.AddSchoolSafetyCore();
        builder.AddCallbacks();
        var app = builder.Build();
        app.MapCallbacks();
        var db = app.Services.GetRequiredService<MySqlDataSource>();
        BenchHost.MapBareInsert(app);
        var url = await BenchHost.StartCleanAsync(app);

        var needed = (int)(rate * seconds * 1.1) + 4000;
        Console.WriteLine($"callbacks bench: {rate}/s for {seconds:0} s, then saturation at {concurrency} clients for {saturationSeconds:0} s per phase; preparing {needed} clues, MariaDB {await ScalarAsync<string>(db, "SELECT VERSION()")}");
        var clicks = new ConcurrentQueue<string>(await PrepareAsync(app.Services, db, needed));

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { BaseAddress = new Uri(url) };
        Func<Task<bool>> click = async () =>
        {
            if (!clicks.TryDequeue(out var body)) return false;
            var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/cards") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("x-ddpaas-signature-timestamp", ts);
            request.Headers.Add("x-ddpaas-signature", DingTalkCallbackCrypto.ComputeCardSignature(Secret, ts));
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode || !text.Contains("已签收", StringComparison.Ordinal))
                throw new InvalidOperationException($"callback failed: {(int)response.StatusCode} {text}");
            return true;
        };
        Func<Task<bool>> bare = async () =>
        {
            using var response = await http.PostAsync("/bench/bare", new StringContent("""{"type":"actionCallback","outTrackId":"clue-1"}""", Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            return true;
        };

        // Warm-up: JIT, pools.
        for (var i = 0; i < 50; i++) { await bare(); await click(); }

        var steadyBare = await SteadyAsync(rate, seconds, bare);
        var steadyClick = await SteadyAsync(rate, seconds, click);
        Print($"(1) steady {rate}/s, bare insert+commit", steadyBare);
        Print($"(1) steady {rate}/s, card callback     ", steadyClick);
        Console.WriteLine($"    target: callback p99 < 100 ms → {(steadyClick.P99 < 100 ? "met" : "NOT met")}");

        var satBare = new List<Phase>(); var satClick = new List<Phase>();
        for (var round = 0; round < 2; round++)
        {
            satBare.Add(await SaturateAsync(concurrency, saturationSeconds, bare));
            satClick.Add(await SaturateAsync(concurrency, saturationSeconds, click));
        }
        var a = satBare.Average(p => p.Throughput); var b = satClick.Average(p => p.Throughput);
        Print($"(2) saturated ({concurrency} clients), bare       ", Merge(satBare));
        Print($"(2) saturated ({concurrency} clients), callback   ", Merge(satClick));
        Console.WriteLine($"    ratio callback/bare: {b / a:0.00} (rounds bare {string.Join(", ", satBare.Select(p => p.Throughput.ToString("0")))}; callback {string.Join(", ", satClick.Select(p => p.Throughput.ToString("0")))}) → target ≥ 0.50 {(b / a >= 0.5 ? "met" : "NOT met")}");
        await app.StopAsync();
    }

    private sealed record Phase(double Throughput, double P50, double P99, int Count);

    private static Phase Merge(List<Phase> phases) =>
        new(phases.Average(p => p.Throughput), phases.Average(p => p.P50), phases.Average(p => p.P99), phases.Sum(p => p.Count));

    private static void Print(string label, Phase p) =>
        Console.WriteLine($"{label}: {p.Throughput,7:0.0} /s   p50 {p.P50,6:0.0} ms   p99 {p.P99,6:0.0} ms   ({p.Count} requests)");

    /// <summary>Open loop: request i starts at i / rate whatever the earlier ones are doing, so a slow server shows as latency.</summary>
    private static async Task<Phase> SteadyAsync(int rate, double seconds, Func<Task<bool>> op)
    {
        var total = (int)(rate * seconds);
        var latencies = new double[total];
        var tasks = new Task[total];
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - sw.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                var start = sw.Elapsed;
                await op();
                latencies[index] = (sw.Elapsed - start).TotalMilliseconds;
            });
        }
        await Task.WhenAll(tasks);
        return Stats(latencies, total / sw.Elapsed.TotalSeconds);
    }

    /// <summary>Closed loop: N clients, each sending its next request as soon as the last is answered.</summary>
    private static async Task<Phase> SaturateAsync(int clients, double seconds, Func<Task<bool>> op)
    {
        var latencies = new ConcurrentBag<double>();
        var sw = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (sw.Elapsed < until)
            {
                var start = sw.Elapsed;
                if (!await op()) break;   // out of prepared clues
                latencies.Add((sw.Elapsed - start).TotalMilliseconds);
            }
        })));
        return Stats(latencies.ToArray(), latencies.Count / sw.Elapsed.TotalSeconds);
    }

    private static Phase Stats(double[] latencies, double throughput)
    {
        Array.Sort(latencies);
        double At(double q) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
        return new Phase(throughput, At(0.50), At(0.99), latencies.Length);
    }

    /// <summary>Reports clues across the demo schools and returns, per clue, the click body of its assigned handler accepting it.</summary>
    private static async Task<List<string>> PrepareAsync(IServiceProvider services, MySqlDataSource db, int count)
    {
        var clues = services.GetRequiredService<ClueService>();
        List<long> reporters;
        await using (var conn = await db.OpenConnectionAsync())
            reporters = (await conn.QueryAsync<long>("SELECT user_id FROM memberships WHERE role = 'Reporter' AND title IS NULL ORDER BY user_id")).AsList();
        var made = new ConcurrentBag<long>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var o = await clues.ReportAsync(new ReportCommand
                {
                    ReporterUserId = reporters[i % reporters.Count], ItemNo = 4, Description = "校门口有无证摊贩占道经营", IdempotencyKey = Guid.NewGuid().ToString(),
                });
                made.Add(o.ClueId);
            }
        })));
        await using var read = await db.OpenConnectionAsync();
        var rows = await read.QueryAsync<(long Id, string Handler)>(
            "SELECT c.id, u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.assignee_user_id WHERE c.state = 'PendingAcceptance' ORDER BY c.id");
        return rows.Select(r => Body(r.Id, r.Handler)).ToList();
    }

    private static string Body(long clueId, string handler)
    {
        var content = System.Text.Json.JsonSerializer.Serialize(new
        {
            cardPrivateData = new { actionIds = new[] { "btn_accept" }, @params = new { action = "accept", clueId = clueId.ToString(CultureInfo.InvariantCulture), version = "1" } },
        });
        return System.Text.Json.JsonSerializer.Serialize(new { type = "actionCallback", outTrackId = CardComposer.OutTrackId(clueId), corpId = "dingcorp", userId = handler, content });
    }

    private static async Task<T?> ScalarAsync<T>(MySqlDataSource db, string sql)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<T>(sql);
    }
}
