using System.Diagnostics;
using System.Globalization;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// Kind 4: the Bot killed (SIGKILL) while it drains the outbox to a DingTalk that counts. Clues are reported in the harness
/// (each queues a card to its handler and a notice to its school's chat); the Bot is started, killed at a random moment
/// while sends are in flight, started again, and so on; at the end it drains what is left. A trial is a send in flight at a
/// kill (DingTalk had the request; the Bot never learnt the answer). Then: every card created once by its outTrackId and
/// every chat notice arrived; a notice that arrived twice is a duplicate (DingTalk's robot API has no idempotency key).
/// </summary>
public static class OutboxTrials
{
    public static async Task<ChaosResult> RunAsync(string baseCs, int trials, TextWriter log)
    {
        await using var ctx = await ChaosContext.CreateAsync(baseCs, log);
        await using var fake = await CountingDingTalk.StartAsync();
        fake.Delay = TimeSpan.FromMilliseconds(120);
        await using var services = ChaosSeed.Services(ctx);
        await ChaosSeed.DemoAsync(services);

        var env = ctx.BotEnv(fake.Url);
        env["Outbox__Concurrency"] = "16";
        env["Outbox__BatchSize"] = "32";
        env["Outbox__BaseBackoff"] = "00:00:00.200";
        env["Outbox__MaxBackoff"] = "00:00:01";
        await using var bot = new ChaosProcess("Bot", ChaosPorts.Next(), env, ctx.Scratch);

        var batch = Math.Clamp(trials, 20, 150);
        var reported = 0;
        int kills = 0, interrupted = 0;
        var watch = Stopwatch.StartNew();
        while (interrupted < trials)
        {
            if (await UnsentAsync(ctx) < batch) reported += (await ChaosSeed.ReportAsync(services, ctx, batch, $"outbox{reported}")).Count;
            await bot.StartReadyAsync();
            var started = Stopwatch.StartNew();
            // Past the token fetch: sends are under way (several in flight), then a random moment of the drain.
            while (fake.InFlight < 4 && started.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(5);
            await Task.Delay(Random.Shared.Next(0, 600));
            var inFlight = fake.InFlight;
            await bot.KillAsync();
            kills++;
            interrupted += inFlight;
            await log.WriteLineAsync($"  kind 4: kill {kills}: {inFlight} sends in flight ({interrupted}/{trials} trials, {watch.Elapsed.TotalSeconds:0} s)");
        }

        // The last start drains everything (the killed runs' claims come back after their lease).
        await bot.StartReadyAsync();
        var drain = Stopwatch.StartNew();
        while (await UnsentAsync(ctx) > 0 && drain.Elapsed < TimeSpan.FromMinutes(3)) await Task.Delay(250);
        await Task.Delay(500);
        await bot.KillAsync();

        var unsent = await UnsentAsync(ctx);
        foreach (var (topic, attempts, rows) in await ctx.QueryAsync<(string, int, long)>(
                     "SELECT topic, attempts, COUNT(*) FROM outbox GROUP BY topic, attempts ORDER BY topic, attempts"))
            await log.WriteLineAsync($"  kind 4: {topic}: {rows} rows sent on attempt {attempts}");
        var dead = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL");
        var clueIds = await ctx.QueryAsync<long>("SELECT id FROM clues");
        var missingCards = clueIds.Count(id => !fake.Seen.ContainsKey("card:" + CardComposer.OutTrackId(id)));
        var expectedNotices = await ctx.ScalarAsync<long>($"""
            SELECT COUNT(*) FROM outbox o JOIN clues c ON c.id = JSON_VALUE(o.payload, '$.clueId')
             WHERE o.topic = '{OutboxTopics.GroupNotice}'
               AND EXISTS (SELECT 1 FROM work_groups w WHERE w.school_id = c.school_id AND w.open_conversation_id IS NOT NULL)
            """);
        var notices = fake.Distinct("group:");
        var noticeDuplicates = fake.Duplicates("group:");
        var redelivered = fake.Duplicates("card-space:");
        var sends = clueIds.Count + (int)expectedNotices;
        var losses = (int)(unsent + dead) + missingCards + Math.Max(0, (int)expectedNotices - notices);
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"{clueIds.Count} cards created once each by outTrackId ({redelivered} re-delivered to a space they were in); {notices} of {expectedNotices} chat notices, " +
            $"{noticeDuplicates} twice = {Rate(noticeDuplicates, interrupted)} of sends in flight at a kill, {Rate(noticeDuplicates, sends)} of all sends (robot API: no key)");
        return new ChaosResult(4, "Bot during outbox drains", kills, interrupted, sends, losses, noticeDuplicates, measured);
    }

    public static string Rate(long part, long whole) => whole == 0 ? "0 %" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:0.0} %");

    private static Task<long> UnsentAsync(ChaosContext ctx) =>
        ctx.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL");
}
