using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MySqlConnector;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// Kind 3: MariaDB itself killed (SIGKILL) during a burst of reports (mini-app host) and event pushes (Callbacks host), with
/// the Bot running beside them, and started again a second later. A trial is one database kill. Then: no 2xx without its
/// committed row (every answered report and push is in the database), and every host serves again — ready, and the
/// bursts answered — within 10 s of the database's return, without a restart. The database is a second project-local
/// MariaDB (scripts/db.sh on its own port and folder), so nothing else loses its server.
/// </summary>
public static class DatabaseTrials
{
    public static async Task<ChaosResult> RunAsync(int trials, TextWriter log)
    {
        var root = ChaosProcess.RepoRoot();
        var port = Environment.GetEnvironmentVariable("CHAOS_DB_PORT") is { Length: > 0 } p
            ? int.Parse(p, CultureInfo.InvariantCulture)
            : int.Parse(Environment.GetEnvironmentVariable("SCHOOLSAFETY_DB_PORT") ?? "3307", CultureInfo.InvariantCulture) + 1;
        var dir = Path.Combine(root, ".local", $"chaos-mariadb-{port}");
        var server = new MariaDb(root, dir, port);
        try
        {
            await server.StartAsync();
            return await TrialsAsync(server, trials, log);
        }
        finally
        {
            await server.StopAsync();
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<ChaosResult> TrialsAsync(MariaDb server, int trials, TextWriter log)
    {
        await using var ctx = await ChaosContext.CreateAsync(server.ConnectionString, log);
        await using var services = ChaosSeed.Services(ctx);
        await ChaosSeed.DemoAsync(services);
        var reporters = await ctx.QueryAsync<string>(
            "SELECT u.dingtalk_user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.role = 'Reporter' AND m.title IS NULL ORDER BY m.user_id");

        var env = ctx.HostEnv();
        foreach (var limit in new[] { "LoginPerAddress", "ReportsPerUser", "ReportsPerAddress" }) env[$"RateLimits__{limit}"] = "1000000";
        env["Bot__RunScheduler"] = "true";
        env["Outbox__PollInterval"] = "00:00:00.500";
        await using var miniApp = new ChaosProcess("MiniApp.Api", ChaosPorts.Next(), env, ctx.Scratch);
        await using var callbacks = new ChaosProcess("Callbacks", ChaosPorts.Next(), env, ctx.Scratch);
        await using var bot = new ChaosProcess("Bot", ChaosPorts.Next(), env, ctx.Scratch);
        ChaosProcess[] hosts = [miniApp, callbacks, bot];
        foreach (var h in hosts) h.Start();
        foreach (var h in hosts) await h.WaitReadyAsync(TimeSpan.FromSeconds(120));
        var tokens = await MiniAppLogin.TokensAsync(miniApp.Url, reporters);

        var made = 0;
        var stop = false;
        ChaosOp? NextReport()
        {
            if (Volatile.Read(ref stop)) return null;
            var i = Interlocked.Increment(ref made);
            return MiniAppLogin.TextReport($"db-{i}", tokens[reporters[i % reporters.Count]]);
        }
        ChaosOp? NextPush() => Volatile.Read(ref stop) ? null : CallbackOps.Push(Interlocked.Increment(ref made));
        using var reports = new ChaosBurst(miniApp.Url, NextReport);
        using var pushes = new ChaosBurst(callbacks.Url, NextPush);
        reports.Start(6);
        pushes.Start(6);

        var readyTimes = new List<double>();
        var serveTimes = new List<double>();
        var restarts = 0;
        for (var t = 1; t <= trials; t++)
        {
            await reports.RandomMomentAsync(1000);
            await server.KillAsync();
            await Task.Delay(1000);
            await server.StartAsync();
            var back = Stopwatch.StartNew();
            var answeredAt = (reports.Answered, pushes.Answered);
            var ready = await Task.WhenAll(hosts.Select(h => ReadyAsync(h, back)));
            while ((reports.Answered == answeredAt.Item1 || pushes.Answered == answeredAt.Item2) && back.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
            var serve = back.Elapsed.TotalSeconds;
            readyTimes.Add(ready.Max());
            serveTimes.Add(serve);
            restarts += hosts.Count(h => !h.Running);
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  kind 3: database kill {t}: hosts ready {ready.Max():0.0} s and answering {serve:0.0} s after its return; answers {string.Join(", ", reports.Statuses.Concat(pushes.Statuses).GroupBy(p => p.Key).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Sum(p => p.Value)}"))}"));
        }
        Volatile.Write(ref stop, true);
        await reports.CompleteAsync(TimeSpan.FromMinutes(2));
        await pushes.CompleteAsync(TimeSpan.FromMinutes(2));
        foreach (var h in hosts) await h.KillAsync();

        var ops = reports.Finished.Concat(pushes.Finished).ToList();
        int losses = 0, duplicates = 0, refused = 0;
        foreach (var op in ops)
        {
            if (op.Status is < 200 or >= 300) { refused++; await log.WriteLineAsync($"  kind 3: {op.Id} answered {op.Status}: {op.Answer}"); continue; }
            var count = op.Id.StartsWith("db-", StringComparison.Ordinal)
                ? await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM clues WHERE description = @d", new { d = MiniAppLogin.Description(op.Id) })
                : await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE event_key = @k", new { k = op.Id });
            if (count == 0) losses++;
            if (count > 1) duplicates += (int)count - 1;
        }
        var slow = serveTimes.Count(s => s > 10) + restarts;
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"{ops.Count(o => o.Status is >= 200 and < 300)} answered 2xx, each with its row; hosts ready again after at most {readyTimes.DefaultIfEmpty().Max():0.0} s (median {Median(readyTimes):0.0}), " +
            $"answering after at most {serveTimes.DefaultIfEmpty().Max():0.0} s (median {Median(serveTimes):0.0}); {restarts} host restarts; {slow} trials over 10 s");
        return new ChaosResult(3, "MariaDB during reports and pushes", trials, trials, ops.Count, losses + refused + slow, duplicates, measured);
    }

    private static double Median(List<double> xs) => xs.Count == 0 ? 0 : xs.Order().ElementAt(xs.Count / 2);

    /// <summary>Seconds until the host's <c>/readyz</c> answers 200 again.</summary>
    private static async Task<double> ReadyAsync(ChaosProcess host, Stopwatch since)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (since.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var r = await http.GetAsync($"{host.Url}/readyz");
                if (r.StatusCode == HttpStatusCode.OK) return since.Elapsed.TotalSeconds;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(50);
        }
        return since.Elapsed.TotalSeconds;
    }

    /// <summary>A project-local MariaDB of the trial's own (scripts/db.sh with its own folder and port), killed by pid.</summary>
    private sealed class MariaDb(string root, string dir, int port)
    {
        public string ConnectionString { get; private set; } = "";

        public async Task StartAsync()
        {
            var psi = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "db.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["SCHOOLSAFETY_DB_DIR"] = dir;
            psi.Environment["SCHOOLSAFETY_DB_PORT"] = port.ToString(CultureInfo.InvariantCulture);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var errors = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode != 0) throw new InvalidOperationException($"the trial's MariaDB did not start: {await errors}");
            var line = (await output).Split('\n').First(l => l.StartsWith("export SCHOOLSAFETY_BENCH_DB=", StringComparison.Ordinal));
            ConnectionString = line["export SCHOOLSAFETY_BENCH_DB=".Length..].Trim('\'');
            if (Environment.GetEnvironmentVariable("CHAOS_PIDFILE") is { Length: > 0 } pidFile)
                await File.AppendAllTextAsync(pidFile, Pid() + "\n");
        }

        private int Pid() => int.Parse(File.ReadAllText(Path.Combine(dir, "mysqld.pid")).Trim(), CultureInfo.InvariantCulture);

        public async Task KillAsync()
        {
            using var p = Process.GetProcessById(Pid());
            p.Kill();   // SIGKILL: InnoDB recovers from its log at the next start
            await p.WaitForExitAsync();
            MySqlConnection.ClearAllPools();
        }

        public async Task StopAsync()
        {
            try
            {
                if (File.Exists(Path.Combine(dir, "mysqld.pid"))) await KillAsync();
            }
            catch (ArgumentException) { }   // not running
        }
    }
}

/// <summary>The mini-app's development login and a report without photos, shared by the kinds that burst reports.</summary>
public static class MiniAppLogin
{
    public static async Task<Dictionary<string, string>> TokensAsync(string url, IEnumerable<string> dingTalkIds)
    {
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        using var login = new HttpClient { BaseAddress = new Uri(url) };
        foreach (var who in dingTalkIds.Distinct())
        {
            using var r = await login.PostAsync("/api/auth/dev", new StringContent(JsonSerializer.Serialize(new { dingTalkUserId = who }), Encoding.UTF8, "application/json"));
            r.EnsureSuccessStatusCode();
            tokens[who] = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString()!;
        }
        return tokens;
    }

    public static string Description(string opId) => $"操场围栏破损有安全隐患（{opId}）";

    public static ChaosOp TextReport(string id, string token, byte[]? photo = null) => new()
    {
        Id = id,
        Send = (http, ct) =>
        {
            var form = new MultipartFormDataContent
            {
                { new StringContent("4"), "itemNo" }, { new StringContent(Description(id)), "description" }, { new StringContent(id), "idempotencyKey" },
            };
            if (photo is not null)
            {
                var image = new ByteArrayContent(photo);
                image.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/jpeg");
                form.Add(image, "photos", "fence.jpg");
            }
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/clues") { Content = form };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return http.SendAsync(request, ct);
        },
    };
}
