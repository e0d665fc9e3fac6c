using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// Kind 6: DingTalk and the four platforms' gateway both down for an hour, at 1:300 (every time of the outbox scaled the
/// same: the hour is 12 s, the back-off's first step 5 s → 17 ms and its cap 15 min → 3 s, a row's 72 hours before it may be
/// buried → 14.4 min; ten attempts as configured). Clues are approved for dispatch to the four platforms (each on its way
/// queues cards, card refreshes, chat and personal notices too); the Bot runs through the outage and on. A trial is one
/// outage. Then: every dispatch accepted by the gateway once (its Idempotency-Key), every card created once, every message
/// arrived, once; no clue sent back to its unit for a failure that was only an outage.
/// </summary>
public static class OutageTrials
{
    private const int Scale = 300;
    private const int CluesPerOutage = 8;

    public static async Task<ChaosResult> RunAsync(string baseCs, int trials, TextWriter log)
    {
        await using var ctx = await ChaosContext.CreateAsync(baseCs, log);
        await using var fake = await CountingDingTalk.StartAsync();
        await using var services = ChaosSeed.Services(ctx);
        await ChaosSeed.DemoAsync(services);

        var env = ctx.BotEnv(fake.Url);
        env["Outbox__BaseBackoff"] = Scaled(TimeSpan.FromSeconds(5));
        env["Outbox__MaxBackoff"] = Scaled(TimeSpan.FromMinutes(15));
        env["Outbox__DeadAfter"] = Scaled(TimeSpan.FromHours(72));
        env["FourPlatforms__BaseUrl"] = fake.Url + "/grid/";
        env["FourPlatforms__DispatchPath"] = "api/dispatches";
        env["FourPlatforms__ApiKey"] = "chaos-grid-key";
        env["FourPlatforms__PushSecret"] = "chaos-grid-push-secret-0123456789abcdef";
        env["FourPlatforms__CallbackUrl"] = "http://127.0.0.1:5699/four-platforms/pushes";
        env["FourPlatforms__PhotoBaseUrl"] = "http://127.0.0.1:5698";
        env["FourPlatforms__RequestTimeout"] = "00:00:02";
        await using var bot = new ChaosProcess("Bot", ChaosPorts.Next(), env, ctx.Scratch);
        await bot.StartReadyAsync();

        var outage = TimeSpan.FromHours(1) / Scale;
        var catchUp = new List<double>();
        for (var t = 1; t <= trials; t++)
        {
            fake.Down = true;
            var down = Stopwatch.StartNew();
            var clues = await DispatchedAsync(services, ctx, t);
            var left = outage - down.Elapsed;
            if (left > TimeSpan.Zero) await Task.Delay(left);
            var failedDuring = fake.Calls;
            fake.Down = false;
            var up = Stopwatch.StartNew();
            while (await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL") > 0 && up.Elapsed < TimeSpan.FromMinutes(2))
                await Task.Delay(100);
            catchUp.Add(up.Elapsed.TotalSeconds);
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  kind 6: outage {t}: {clues.Count} clues dispatched during {down.Elapsed.TotalSeconds:0.0} s down ({failedDuring} calls refused), all sent {up.Elapsed.TotalSeconds:0.0} s after"));
        }
        await bot.KillAsync();

        var dispatched = await ctx.QueryAsync<(long Id, string State)>("SELECT id, state FROM clues WHERE dispatching_unit_id IS NOT NULL OR state = 'DispatchedToGrid'");
        var accepted = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM grid_dispatches WHERE state = 'Accepted'");
        var notAccepted = await ctx.QueryAsync<(string Id, string State, string? Reason)>("SELECT dispatch_id, state, reason FROM grid_dispatches WHERE state <> 'Accepted'");
        foreach (var (id, state, reason) in notAccepted) await log.WriteLineAsync($"  kind 6: dispatch {id} {state}: {reason}");
        var dead = await ctx.QueryAsync<(string Topic, int Attempts, string? Error)>("SELECT topic, attempts, last_error FROM outbox WHERE dead_at IS NOT NULL");
        foreach (var (topic, attempts, error) in dead) await log.WriteLineAsync($"  kind 6: dead {topic} after {attempts}: {error}");
        var unsent = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL");
        var expected = trials * CluesPerOutage;
        var gateway = fake.Distinct("gateway:");
        var resends = fake.Duplicates("gateway-post:");
        // What a person sees once: cards, chat and personal messages, to-dos. A card refresh or to-do update sent again
        // with the same data changes nothing on screen (the same state twice), so it is no duplicate.
        string[] refreshes = ["gateway", "card-space:", "card-update:", "todo-update:"];
        var messages = fake.Seen.Where(p => !refreshes.Any(r => p.Key.StartsWith(r, StringComparison.Ordinal))).ToList();
        foreach (var (key, n) in messages.Where(p => p.Value > 1)) await log.WriteLineAsync($"  kind 6: {key} arrived {n} times");
        var duplicates = messages.Sum(p => p.Value - 1) + fake.Duplicates("gateway:");
        var losses = (int)Math.Max(0, expected - accepted) + (int)unsent + dead.Count + Math.Max(0, expected - gateway);
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"outage of 1 h at 1:{Scale} ({outage.TotalSeconds:0} s); {accepted} of {expected} dispatches accepted ({gateway} events at the gateway, {resends} resends with the same key), " +
            $"{messages.Count} DingTalk messages and cards, all within {catchUp.DefaultIfEmpty().Max():0.0} s of the return; {dead.Count} rows dead; {dispatched.Count(d => d.State != "DispatchedToGrid")} clues sent back");
        return new ChaosResult(6, "DingTalk and the four platforms down for an hour", 0, trials, expected + messages.Count, losses, duplicates, measured);
    }

    private static string Scaled(TimeSpan real) => (real / Scale).ToString("c", CultureInfo.InvariantCulture);

    /// <summary>Police-line clues, each accepted, escalated to the district (approved), proposed for dispatch and approved by the head.</summary>
    private static async Task<List<long>> DispatchedAsync(IServiceProvider services, ChaosContext ctx, int round)
    {
        var clues = services.GetRequiredService<ClueService>();
        async Task<long> User(string d) => await ctx.ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = @d", new { d });
        var reporter = await User("demo-school01-officer");
        var member = await ctx.ScalarAsync<long>("""
            SELECT m.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        var townHead = await ctx.ScalarAsync<long>("""
            SELECT mh.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
              JOIN memberships mh ON mh.unit_id = m.unit_id AND mh.role = 'UnitHead'
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        var district = await User("demo-POL-handler");
        var head = await User("demo-POL-head");
        var made = new List<long>();
        for (var i = 0; i < CluesPerOutage; i++)
        {
            var c = await clues.ReportAsync(new ReportCommand
            {
                ReporterUserId = reporter, ItemNo = 4, Description = $"校门口有无证摊贩占道经营，放学时段拥堵（停机 {round}-{i}）", IdempotencyKey = $"outage-{round}-{i}",
            });
            foreach (var (action, who, note) in new (ClueAction, long, string?)[]
                     {
                         (ClueAction.Accept, member, null), (ClueAction.Escalate, member, "需区级处置"), (ClueAction.ApproveEscalation, townHead, "同意"),
                         (ClueAction.Accept, district, null), (ClueAction.ProposeDispatch, district, "需镇街协同"), (ClueAction.ApproveDispatch, head, null),
                     })
            {
                c = await clues.ApplyAsync(new ClueCommand
                {
                    ClueId = c.ClueId, Action = action, Version = c.Version!.Value, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(who), Note = note,
                });
                if (!c.Succeeded) throw new InvalidOperationException($"{action}: {c.Kind} {c.Message}");
            }
            made.Add(c.ClueId);
        }
        return made;
    }
}
