using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SchoolSafety.Core;
using SchoolSafety.Core.Chatbot;

namespace SchoolSafety.Bench;

/// <summary>
/// Issue 11: the mini-app's reads on a generated province (<see cref="Province"/>) at each size (default
/// 100,000 and 1,000,000 clues) in one run. For each size: the province is generated, the three hosts are
/// started as their own processes on it (time to <c>/readyz</c>, resident memory idle), then each request of the
/// issue's table is sent through the real mini-app host from 1 and from 8 clients (p50/p99 per round, medians
/// over the rounds; the host's peak resident memory under that load), and the chatbot's 我的待办 and 督办清单
/// through <see cref="ChatbotService"/>; the hosts are stopped and the province removed.
/// </summary>
public static class ScaleBench
{
    private sealed record Case(string Name, string Who, Func<HttpClient, int, Task> Run, bool Slow = false);

    private sealed record Figures(double P50, double P99, int N);

    public static async Task RunAsync(string[] args)
    {
        var bench = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var sizes = (args.Length > 0 ? args[0] : "100000,1000000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        // "keep": reuse a province of the same size left by an earlier "keep" run, and leave it (for working on one query).
        var keep = args.Length > 2 && args[2] == "keep";
        var root = RepoRoot();
        var results = new Dictionary<(int Size, string Case, int Clients), List<Figures>>();
        var hostFigures = new List<string>();
        Console.WriteLine($"scale bench: sizes {string.Join(", ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))}, {rounds} rounds, " +
            $"{Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        foreach (var size in sizes)
        {
            var info = keep && await Province.ExistingAsync(bench, size) is { } kept ? kept : await Province.GenerateAsync(bench, size, log: Console.Out);
            Console.WriteLine(info);
            var hosts = new List<HostProcess>();
            try
            {
                foreach (var name in HostProcess.Names)   // as scripts/run.sh runs them: published ahead-of-time compiled
                    hosts.Add(await HostProcess.StartAsync(await HostProcess.PublishAsync(root, name), name, info.ConnectionString, KeepAudit));
                await Task.Delay(2000);
                foreach (var h in hosts) h.IdleRss = h.Rss();
                var miniApp = hosts[0];
                // SCALE_ONLY=text keeps the cases whose name holds it (for working on one request).
                var only = Environment.GetEnvironmentVariable("SCALE_ONLY");
                // Several texts may be given, separated by '|'; SCALE_CLIENTS=1 (or 8) measures only that many clients.
                var cases = (await CasesAsync(miniApp.Url, info))
                    .Where(c => only is null || only.Split('|').Any(o => c.Name.Contains(o, StringComparison.Ordinal))).ToList();
                var clientCounts = (Environment.GetEnvironmentVariable("SCALE_CLIENTS") ?? "1,8").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
                // One request per case before any is measured: the first request of an endpoint pays its JIT compilation
                // (start-up, measured as "ready" below), not the list's cost; printed, not counted.
                foreach (var c in cases)
                {
                    using var warm = Client(c.Who);
                    var t = Stopwatch.GetTimestamp();
                    try { await c.Run(warm, 0); }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException) { }
                    Console.WriteLine($"  {size:N0} {c.Name}: first request {Stopwatch.GetElapsedTime(t).TotalMilliseconds:0.0} ms (not counted)");
                }
                using var sampler = new CancellationTokenSource();
                var peak = Task.Run(async () =>
                {
                    long max = 0;
                    while (!sampler.IsCancellationRequested) { max = Math.Max(max, miniApp.Rss()); await Task.Delay(100); }
                    return max;
                });
                foreach (var clients in clientCounts)
                    foreach (var c in cases)
                        for (var r = 0; r < (c.Slow ? 1 : rounds); r++)   // the slow ones (statistics, export): one round
                        {
                            Figures f;
                            try
                            {
                                f = await MeasureAsync(c, clients);
                            }
                            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                            {
                                Console.WriteLine($"  {size:N0} {c.Name}, {clients} clients: failed ({e.Message.Split('\n')[0]})");
                                break;
                            }
                            Console.WriteLine($"  {size:N0} {c.Name}, {clients} clients, round {r + 1}: p50 {f.P50:0.0} ms, p99 {f.P99:0.0} ms ({f.N} requests)");
                            (results.TryGetValue((size, c.Name, clients), out var l) ? l : results[(size, c.Name, clients)] = []).Add(f);
                        }
                foreach (var f in await ChatbotAsync(info, rounds, name => only is null || only.Split('|').Any(o => name.Contains(o, StringComparison.Ordinal)), clientCounts))
                    (results.TryGetValue((size, f.Name, f.Clients), out var l) ? l : results[(size, f.Name, f.Clients)] = []).AddRange(f.Rounds);
                await sampler.CancelAsync();
                var peakRss = await peak;
                foreach (var h in hosts)
                    hostFigures.Add($"| {size:N0} | {h.Name} | {h.Ready.TotalMilliseconds:0} ms | {h.IdleRss / 1048576.0:0} MB | " +
                        $"{(h == miniApp ? $"{peakRss / 1048576.0:0} MB" : $"{h.Rss() / 1048576.0:0} MB (idle during the load)")} |");
            }
            finally
            {
                foreach (var h in hosts) h.Dispose();
                if (!keep)
                {
                    await Province.RemoveAsync(bench);
                    Console.WriteLine($"province of {size:N0} clues removed");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("| request | clients | " + string.Join(" | ", sizes.Select(s => $"{s:N0}: p50 / p99 ms")) + (sizes.Count > 1 ? " | ratio p50 |" : ""));
        Console.WriteLine("|---|---|" + string.Concat(sizes.Select(_ => "---|")) + (sizes.Count > 1 ? "---|" : ""));
        foreach (var key in results.Keys.Select(k => (k.Case, k.Clients)).Distinct().OrderBy(k => k.Clients))
        {
            var cells = sizes.Select(s => results.TryGetValue((s, key.Case, key.Clients), out var l) ? (Median(l.Select(f => f.P50)), Median(l.Select(f => f.P99))) : (double.NaN, double.NaN)).ToList();
            var ratio = sizes.Count > 1 ? $" {cells[^1].Item1 / cells[0].Item1:0.00} |" : "";
            Console.WriteLine($"| {key.Case} | {key.Clients} | " + string.Join(" | ", cells.Select(c => $"{c.Item1:0.0} / {c.Item2:0.0}")) + " |" + ratio);
        }
        Console.WriteLine();
        Console.WriteLine("| clues | host | ready | resident idle | resident under the load |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var line in hostFigures) Console.WriteLine(line);
        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end");
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>One round: each client sends its requests one after another (fewer for the slow ones), all clients at once.</summary>
    private static async Task<Figures> MeasureAsync(Case c, int clients)
    {
        var perClient = c.Slow ? (clients == 1 ? 4 : 2) : (clients == 1 ? 30 : 15);
        var budget = TimeSpan.FromSeconds(c.Slow ? 25 : 15);
        var times = new List<double>();
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(k => Task.Run(async () =>
        {
            using var http = Client(c.Who);
            for (var i = 0; i < perClient && sw.Elapsed < budget; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await c.Run(http, k * 1000 + i);
                var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                lock (times) times.Add(ms);
            }
        })));
        times.Sort();
        return new Figures(Percentile(times, 0.5), Percentile(times, 0.99), times.Count);
    }

    private static readonly Dictionary<string, (string Url, string Token)> Sessions = [];

    private static HttpClient Client(string who)
    {
        var (url, token) = Sessions[who];
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task LoginAsync(string url, string who, string dingTalkUserId)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var r = await http.PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId });
        r.EnsureSuccessStatusCode();
        var session = await r.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Sessions[who] = (url, session!["accessToken"].ToString()!);
    }

    private static async Task GetOkAsync(HttpClient http, string path)
    {
        using var r = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        if (r.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }

    /// <summary>The people of the issue's table, found in the province, logged in through the development login.</summary>
    private static async Task<List<Case>> CasesAsync(string url, ProvinceInfo info)
    {
        await using var conn = new MySqlConnection(info.ConnectionString);
        await conn.OpenAsync();
        var officer = await conn.QuerySingleAsync<string>("""
            SELECT u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.reporter_user_id
             WHERE u.dingtalk_user_id LIKE 'prov-s%-officer%' GROUP BY u.id ORDER BY COUNT(*) DESC, u.id LIMIT 1
            """);
        var ids = (await conn.QueryAsync<long>("SELECT id FROM clues WHERE id % 997 = 0 ORDER BY id LIMIT 200")).ToArray();
        await LoginAsync(url, "officer", officer);
        await LoginAsync(url, "town", "prov-t0-POL-h0");
        await LoginAsync(url, "district", "prov-d0-u3-h1");
        await LoginAsync(url, "liaison", "prov-d0-u3-liaison");
        await LoginAsync(url, "admin", "prov-admin");
        var today = DateOnly.FromDateTime(info.EndUtc.AddHours(8)).AddDays(-1);
        var year = $"from={today.AddDays(-364):yyyy-MM-dd}&to={today:yyyy-MM-dd}";
        // The generator spreads every size over the same five years and schools, so a year at 1,000,000 holds ten times the
        // clues of a year at 100,000. These periods hold as many clues at every size (365 days per 100,000 clues: 37 days
        // at 1,000,000), so their ratio is the cost of the tables' size alone, apart from the answer's.
        var days = (int)Math.Ceiling(365.0 * 100_000 / info.Clues);
        var same = $"from={today.AddDays(1 - days):yyyy-MM-dd}&to={today:yyyy-MM-dd}";
        return
        [
            // The floor of every request below in the same run: authenticated, four primary-key reads, no list.
            new("floor: the person's own record (/api/me)", "town", (h, _) => GetOkAsync(h, "/api/me")),
            new("officer's own (scope=mine)", "officer", (h, _) => GetOkAsync(h, "/api/clues?scope=mine")),
            new("officer's school (scope=school)", "officer", (h, _) => GetOkAsync(h, "/api/clues?scope=school")),
            new("town handler, page 1", "town", (h, _) => GetOkAsync(h, "/api/clues")),
            new("town handler, page 50", "town", (h, _) => GetOkAsync(h, "/api/clues?page=50")),
            new("district department handler, page 1", "district", (h, _) => GetOkAsync(h, "/api/clues")),
            new("district department handler (scope=unit)", "district", (h, _) => GetOkAsync(h, "/api/clues?scope=unit")),
            new("line liaison (whole line), page 1", "liaison", (h, _) => GetOkAsync(h, "/api/clues")),
            new("line liaison, page 50", "liaison", (h, _) => GetOkAsync(h, "/api/clues?page=50")),
            new("admin, page 1", "admin", (h, _) => GetOkAsync(h, "/api/clues")),
            new("admin, page 50", "admin", (h, _) => GetOkAsync(h, "/api/clues?page=50")),
            new("admin, overdue + supervised", "admin", (h, _) => GetOkAsync(h, "/api/clues?overdue=true&supervised=true")),
            new("admin, one school", "admin", (h, _) => GetOkAsync(h, "/api/clues?school=17")),
            new("clue detail", "admin", (h, i) => GetOkAsync(h, $"/api/clues/{ids[i % ids.Length]}")),
            new("a line's year of statistics (district department)", "district", (h, _) => GetOkAsync(h, $"/api/statistics?{year}"), Slow: true),
            new("the province's year of statistics (admin)", "admin", (h, _) => GetOkAsync(h, $"/api/statistics?{year}"), Slow: true),
            new("a year's CSV export, first byte", "admin", (h, _) => FirstByteAsync(h, $"/api/statistics/export?format=csv&{year}"), Slow: true),
            new("a year's CSV export, whole file", "admin", (h, _) => GetOkAsync(h, $"/api/statistics/export?format=csv&{year}"), Slow: true),
            new("a line's statistics, as many clues at each size", "district", (h, _) => GetOkAsync(h, $"/api/statistics?{same}"), Slow: true),
            new("the province's statistics, as many clues at each size", "admin", (h, _) => GetOkAsync(h, $"/api/statistics?{same}"), Slow: true),
            new("a CSV export's first byte, as many clues at each size", "admin", (h, _) => FirstByteAsync(h, $"/api/statistics/export?format=csv&{same}"), Slow: true),
            new("a CSV export's whole file, as many clues at each size", "admin", (h, _) => GetOkAsync(h, $"/api/statistics/export?format=csv&{same}"), Slow: true),
        ];
    }

    /// <summary>Until the first byte of the body; the rest is read (and dropped) after the clock stopped... by the caller's next request.</summary>
    private static async Task FirstByteAsync(HttpClient http, string path)
    {
        using var r = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        if (r.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: {(int)r.StatusCode}");
        await using var body = await r.Content.ReadAsStreamAsync();
        var one = new byte[1];
        _ = await body.ReadAsync(one);
    }

    private sealed record ChatFigures(string Name, int Clients, List<Figures> Rounds);

    /// <summary>我的待办 (a town handler, a district head) and 督办清单 (the admin) through the chatbot's service on the province.</summary>
    private static async Task<List<ChatFigures>> ChatbotAsync(ProvinceInfo info, int rounds, Func<string, bool> wanted, IReadOnlyList<int> clientCounts)
    {
        await using var services = BenchHost.CoreServices(info.ConnectionString);
        var chatbot = services.GetRequiredService<ChatbotService>();
        (string Name, string Text, string Who)[] cases =
        [
            ("chatbot 我的待办 (town handler)", "我的待办", "prov-t0-POL-h0"), ("chatbot 我的待办 (district head)", "我的待办", "prov-d0-u3-head"),
            ("chatbot 督办清单 (admin)", "督办清单", "prov-admin"),
        ];
        var list = new List<ChatFigures>();
        foreach (var (_, text, who) in cases.Where(c => wanted(c.Name)))   // the first reply pays its JIT compilation: not counted
            await chatbot.ReplyAsync(new ChatMessage(text, who, "", false), CancellationToken.None);
        foreach (var clients in clientCounts)
            foreach (var (name, text, who) in cases.Where(c => wanted(c.Name)))
            {
                var f = new ChatFigures(name, clients, []);
                for (var r = 0; r < rounds; r++)
                {
                    var times = new List<double>();
                    await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
                    {
                        for (var i = 0; i < (clients == 1 ? 30 : 15); i++)
                        {
                            var t = Stopwatch.GetTimestamp();
                            await chatbot.ReplyAsync(new ChatMessage(text, who, "", false), CancellationToken.None);
                            var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                            lock (times) times.Add(ms);
                        }
                    })));
                    times.Sort();
                    f.Rounds.Add(new Figures(Percentile(times, 0.5), Percentile(times, 0.99), times.Count));
                }
                list.Add(f);
            }
        return list;
    }

    /// <summary>
    /// The province's audit rows go five years back, past the three years kept: the Bot's first retention purge would
    /// delete ~400,000 of them during the measurement (batches of 18 s each at 1,000,000 clues), which no district
    /// kept for years ever does at once. The purge is not what this bench measures.
    /// </summary>
    private static readonly Dictionary<string, string> KeepAudit = new() { ["Retention__AuditLogDays"] = "36500" };

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "SchoolSafety.sln"))) return d.FullName;
        throw new InvalidOperationException("SchoolSafety.sln not found above the bench's folder");
    }
}
