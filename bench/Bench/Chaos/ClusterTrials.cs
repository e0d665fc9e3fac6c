using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using SchoolSafety.Core.Digests;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// Kind 5: two Bot processes clustered on one MariaDB (Quartz, 1 s check-in), their clocks on a Monday 08:30 China time, the
/// digest every 2 s (one chat per batch: a long run) and the reminders every 2 s, over the demo district, 200 more chats (40 in the
/// smoke round) and clues overdue for days. The node running the digest is killed half-way (SIGKILL); the other must finish. A trial is one
/// such kill, each on a fresh database. Then: each chat's digest queued once and delivered, each reminder step queued once
/// (a run of the reminder rules afterwards finds nothing left to queue), and what DingTalk got counted per chat and person.
/// </summary>
public static class ClusterTrials
{
    private static readonly DateTime MondayChina = new(2026, 12, 7, 8, 30, 0);

    public static async Task<ChaosResult> RunAsync(string baseCs, int trials, TextWriter log, int extraChats)
    {
        int losses = 0, duplicates = 0, operations = 0, delivered = 0, redelivered = 0, survivorsRan = 0;
        var finish = new List<double>();
        for (var t = 1; t <= trials; t++)
        {
            var r = await TrialAsync(baseCs, log, t, extraChats);
            losses += r.Losses;
            duplicates += r.Duplicates;
            operations += r.Operations;
            delivered += r.Delivered;
            redelivered += r.Redelivered;
            finish.Add(r.FinishSeconds);
            if (r.SurvivorRan) survivorsRan++;
        }
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"{operations} digests and reminder steps queued, each once; the survivor finished after at most {finish.DefaultIfEmpty().Max():0} s; " +
            $"{delivered} messages reached DingTalk, {redelivered} twice (a send in flight at the kill: kind 4)");
        return new ChaosResult(5, "a clustered Bot node during digest and reminder runs", trials, trials, operations, losses, duplicates, measured);
    }

    private sealed record Trial(int Losses, int Duplicates, int Operations, int Delivered, int Redelivered, double FinishSeconds, bool SurvivorRan);

    private static async Task<Trial> TrialAsync(string baseCs, TextWriter log, int t, int extraChats)
    {
        await using var ctx = await ChaosContext.CreateAsync(baseCs, log);
        var quartz = new MySqlConnectionStringBuilder(ctx.ConnectionString);
        quartz.Database += "_quartz";
        await ChaosContext.RecreateAsync(quartz.ConnectionString);
        try
        {
            await using var fake = await CountingDingTalk.StartAsync();
            fake.Delay = TimeSpan.FromMilliseconds(20);
            await using var services = ChaosSeed.Services(ctx);
            await ChaosSeed.DemoAsync(services);
            await ChaosSeed.ReportAsync(services, ctx, 60, $"cluster{t}");   // due to be accepted on 2 Dec: overdue on the 7th
            await ChaosSeed.ExecAsync(ctx, "DELETE FROM outbox");
            var town = await ctx.ScalarAsync<long>("SELECT id FROM regions WHERE level = 'Town' ORDER BY id LIMIT 1");
            await ChaosSeed.ExecAsync(ctx, $"INSERT INTO schools (town_id, name) VALUES {string.Join(", ", Enumerable.Range(1, extraChats).Select(i => $"({town}, '集群测试小学{i:D4}')"))}");
            await ChaosSeed.ExecAsync(ctx, """
                INSERT INTO work_groups (school_id, name, open_conversation_id)
                SELECT id, CONCAT(name, '工作组'), CONCAT('cluster-cid-', id) FROM schools WHERE name LIKE '集群测试小学%'
                """);
            var chats = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM work_groups WHERE open_conversation_id IS NOT NULL");

            var env = ctx.BotEnv(fake.Url);
            env["ConnectionStrings__Quartz"] = quartz.ConnectionString;
            env["SchoolSafety__ClockStart"] = MondayChina.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
            env["Schedule__DigestCronOverride"] = "0/2 * * * * ?";
            env["Schedule__DigestBatchSize"] = "1";
            env["Schedule__ReminderCron"] = "1/2 * * * * ?";
            await using var a = new ChaosProcess("Bot", ChaosPorts.Next(), new Dictionary<string, string>(env) { ["Bot__InstanceId"] = "chaos-bot-a" }, ctx.Scratch, "bot-a");
            await using var b = new ChaosProcess("Bot", ChaosPorts.Next(), new Dictionary<string, string>(env) { ["Bot__InstanceId"] = "chaos-bot-b" }, ctx.Scratch, "bot-b");
            var started = Stopwatch.StartNew();
            a.Start();
            b.Start();

            // The digest under way on one node: kill that one, outright.
            string? runner = null;
            var killAt = Random.Shared.Next(1, (int)(chats * 0.6));
            var watch = Stopwatch.StartNew();
            while (runner is null && watch.Elapsed < TimeSpan.FromSeconds(120))
            {
                var recorded = await DigestsAsync(ctx);
                if (recorded >= chats) throw new InvalidOperationException("the digest run finished before it could be interrupted");
                if (recorded >= killAt)
                {
                    await using var q = new MySqlConnection(quartz.ConnectionString);
                    runner = await q.ExecuteScalarAsync<string?>(
                        "SELECT INSTANCE_NAME FROM QRTZ_FIRED_TRIGGERS WHERE TRIGGER_NAME = 'daily-digest' AND STATE = 'EXECUTING' LIMIT 1");
                }
                if (runner is null) await Task.Delay(20);
            }
            if (runner is null) throw new TimeoutException($"no digest run started within 120 s:\n{a.Tail()}\n{b.Tail()}");
            var (killed, survivor) = runner.StartsWith("chaos-bot-a", StringComparison.Ordinal) ? (a, b) : (b, a);
            await killed.KillAsync();
            var atKill = await DigestsAsync(ctx);

            watch.Restart();
            while ((await DigestsAsync(ctx) < chats || await UnsentAsync(ctx) > 0) && watch.Elapsed < TimeSpan.FromSeconds(180)) await Task.Delay(200);
            var finishSeconds = watch.Elapsed.TotalSeconds;
            await Task.Delay(3000);   // further firings on the survivor queue nothing
            var survivorRan = survivor.Running;
            await survivor.KillAsync();

            var digests = await DigestsAsync(ctx);
            var digestRows = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = 'digest.group'");
            var steps = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM reminder_sends");
            // The rules once more, at the nodes' time: a step the killed node's run did not queue would be queued now.
            var nodesNow = MondayChina.AddHours(-8) + started.Elapsed;
            await using (var later = BenchHost.CoreServices(ctx.ConnectionString, new ShiftedClock(nodesNow)))
                await later.GetRequiredService<ReminderService>().RunAsync(CancellationToken.None);
            var missedSteps = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM reminder_sends") - steps;
            var unsent = await UnsentAsync(ctx);
            var perChat = fake.Seen.Where(p => p.Key.StartsWith("group:", StringComparison.Ordinal))
                .GroupBy(p => p.Key.Split(':')[1]).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
            var reminderMessages = fake.Distinct("user:");
            var losses = (int)Math.Max(0, chats - digests) + (int)missedSteps + (int)unsent + (int)Math.Max(0, chats - perChat.Count) + (steps > 0 && reminderMessages == 0 ? 1 : 0);
            var duplicates = (int)Math.Max(0, digestRows - chats);
            var redelivered = perChat.Values.Sum(n => n - 1) + fake.Duplicates("user:");
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  kind 5: trial {t}: killed {runner} at {atKill}/{chats} digests; survivor alive {survivorRan}, all {digests} queued ({digestRows} rows) and sent after {finishSeconds:0} s; " +
                $"{steps} reminder steps queued ({missedSteps} left for a later run), {reminderMessages} reminder messages; {perChat.Count} chats got their digest, {redelivered} messages twice"));
            if (!survivorRan) losses++;
            return new Trial(losses, duplicates, (int)(digests + steps), perChat.Values.Sum() + fake.Seen.Where(p => p.Key.StartsWith("user:", StringComparison.Ordinal)).Sum(p => p.Value),
                redelivered, finishSeconds, survivorRan);
        }
        finally
        {
            MySqlConnection.ClearAllPools();
            await ChaosContext.DropAsync(quartz.ConnectionString);
        }
    }

    private static Task<long> DigestsAsync(ChaosContext ctx) => ctx.ScalarAsync<long>("SELECT COUNT(*) FROM digest_sends WHERE day = '2026-12-07'");

    private static Task<long> UnsentAsync(ChaosContext ctx) => ctx.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL");
}
