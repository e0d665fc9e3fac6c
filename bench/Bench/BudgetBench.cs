using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SchoolSafety.Core;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Digests;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Bench;

/// <summary>
/// The DingTalk budget simulation (domain.md §5): a generated month (December 2026) of a 100-school district with two clues
/// per school — each reported, accepted, mostly resolved, some escalated, most rated — run through the real services on a
/// moved clock: the reminder evaluator every 15 minutes, the digests at 08:30, the outbox drained after every tick into the
/// recording client, which meters each call as the real one would. Prints the metered calls by API. Target: under 2,500
/// (half the standard edition's 5,000). Runs in a database of its own, dropped at the end. <c>budget [seed] [no-todos]</c>:
/// with <c>no-todos</c> the DingTalk to-dos are switched off (<c>DingTalk:Todos:Enabled</c>), with <c>duties=A,B</c> only those
/// duties make to-dos (<c>DingTalk:Todos:Duties</c>), with <c>grace=N</c> a duty becomes a to-do after N working days
/// (<c>DingTalk:Todos:GraceWorkingDays</c>; default 1, 0: at once), to compare.
/// </summary>
public static class BudgetBench
{
    private const int Schools = 100, CluesPerSchool = 2;

    private sealed class BenchClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static DateTimeOffset China(int day, double hour) =>
        new DateTimeOffset(2026, 12, day, 0, 0, 0, TimeSpan.FromHours(8)).AddHours(hour);

    public static async Task RunAsync(string[] args)
    {
        var bench = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var seed = args.Length > 0 && int.TryParse(args[0], out var s) ? s : 8;
        var todos = !args.Contains("no-todos");
        var duties = args.FirstOrDefault(a => a.StartsWith("duties=", StringComparison.Ordinal))?["duties=".Length..].Split(',') ?? [];
        var grace = args.FirstOrDefault(a => a.StartsWith("grace=", StringComparison.Ordinal))?["grace=".Length..];
        var b = new MySqlConnectionStringBuilder(bench);
        var database = b.Database + "_budget";
        await using (var admin = new MySqlConnection(bench))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS `{database}`");
            await admin.ExecuteAsync($"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        }
        b.Database = database;
        try
        {
            await SimulateAsync(b.ConnectionString, seed, todos, duties, grace);
        }
        finally
        {
            await using var admin = new MySqlConnection(bench);
            await admin.OpenAsync();
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS `{database}`");
        }
    }

    private static async Task SimulateAsync(string cs, int seed, bool todos, string[] duties, string? grace)
    {
        var clock = new BenchClock(China(1, 0));
        var settings = new Dictionary<string, string?> { ["DingTalk:OfflineLogPath"] = "", ["DingTalk:OfflineRecordInDatabase"] = "false", ["DingTalk:Todos:Enabled"] = todos ? "true" : "false" };
        for (var i = 0; i < duties.Length; i++) settings[$"DingTalk:Todos:Duties:{i}"] = duties[i];
        if (grace is not null) settings["DingTalk:Todos:GraceWorkingDays"] = grace;
        await using var services = BenchHost.CoreServices(cs, clock, LogLevel.Error, settings);
        var db = services.GetRequiredService<MySqlDataSource>();
        await services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        await services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
        await GrowToAsync(db, Schools);

        var clues = services.GetRequiredService<ClueService>();
        var reminders = services.GetRequiredService<ReminderService>();
        var digests = services.GetRequiredService<DigestService>();
        var dispatcher = services.GetRequiredService<OutboxDispatcher>();
        await digests.SetDistrictChatAsync("budget-cid-task-force", CancellationToken.None);
        var plan = await PlanAsync(db, seed);
        Console.WriteLine($"budget bench: {Schools} schools, {plan.Count / 1} planned actions for {Schools * CluesPerSchool} clues, December 2026, seed {seed}, to-dos {(todos ? duties.Length == 0 ? "on" : "on for " + string.Join(',', duties) : "off")}{(grace is null ? "" : $", grace {grace} working days")}");

        var outcomes = new Dictionary<int, ActionOutcome>();
        var queue = new PriorityQueue<Step, DateTimeOffset>(plan.Select(p => (p, p.At)));
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var t = China(1, 0); t < China(31, 24); t = t.AddMinutes(15))
        {
            clock.Now = t;
            while (queue.TryPeek(out var step, out var at) && at <= t)
            {
                queue.Dequeue();
                await ApplyAsync(clues, step, outcomes);
            }
            if (t.Hour == 8 && t.Minute == 30) await digests.RunAsync(CancellationToken.None);
            await reminders.RunAsync(CancellationToken.None);
            if (t.Minute == 0) await clues.ExpireRatingsAsync(null, CancellationToken.None);   // the Bot's hourly rating job
            await dispatcher.DrainAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        }

        var usage = await services.GetRequiredService<DingTalkUsage>().ReportAsync("2026-12", CancellationToken.None);
        await using var conn = await db.OpenConnectionAsync();
        var byTopic = await conn.QueryAsync<(string Topic, long Rows)>("SELECT topic, COUNT(*) FROM outbox GROUP BY topic ORDER BY topic");
        var states = await conn.QueryAsync<(string State, long Clues)>("SELECT state, COUNT(*) FROM clues GROUP BY state ORDER BY state");
        Console.WriteLine($"simulated in {started.Elapsed.TotalSeconds:0.0} s; clues at the month's end: {string.Join(", ", states.Select(s => $"{s.State} {s.Clues}"))}");
        Console.WriteLine("outbox rows by topic: " + string.Join(", ", byTopic.Select(r => $"{r.Topic} {r.Rows}")));
        // Where the calls come from: the card updates by the action that made their version, the reminder steps, the to-dos by duty.
        var updates = await conn.QueryAsync<(string Action, long Rows)>("""
            SELECT e.action, COUNT(DISTINCT o.id)
              FROM outbox o
              JOIN clue_events e ON e.clue_id = CAST(JSON_VALUE(o.payload, '$.clueId') AS INT) AND e.version = CAST(JSON_VALUE(o.payload, '$.version') AS INT)
             WHERE o.topic = 'clue.card.update'
             GROUP BY e.action ORDER BY COUNT(*) DESC
            """);
        Console.WriteLine("card updates by action: " + string.Join(", ", updates.Select(r => $"{r.Action} {r.Rows}")));
        var steps = await conn.QueryAsync<(string Step, long Rows)>("SELECT step, COUNT(*) FROM reminder_sends GROUP BY step ORDER BY step");
        Console.WriteLine("reminder steps recorded: " + string.Join(", ", steps.Select(r => $"{r.Step} {r.Rows}")));
        var todoRows = await conn.QueryAsync<(string Duty, long Rows, long Created)>(
            "SELECT duty, COUNT(*), CAST(SUM(task_id IS NOT NULL) AS SIGNED) FROM todos GROUP BY duty ORDER BY duty");
        Console.WriteLine("to-dos by duty (rows / created in DingTalk): " + string.Join(", ", todoRows.Select(r => $"{r.Duty} {r.Rows}/{r.Created}")));
        Console.WriteLine("metered DingTalk calls by API:");
        foreach (var row in usage.ByApi) Console.WriteLine($"  {row.Api,-40} {row.Calls,6}");
        Console.WriteLine($"  {"total",-40} {usage.Used,6}   (target < 2,500 = half of the 5,000 budget: {(usage.Used < 2500 ? "met" : "MISSED")})");
    }

    /// <summary>One planned action on one clue (index into the plan's clues) at a China time.</summary>
    private sealed record Step(int Clue, DateTimeOffset At, ClueAction Action, long Actor, long Reporter, int Item, ClueRating? Rating = null);

    private static async Task ApplyAsync(ClueService clues, Step s, Dictionary<int, ActionOutcome> outcomes)
    {
        ActionOutcome o;
        if (s.Action == ClueAction.Report)
            o = await clues.ReportAsync(new ReportCommand
            {
                ReporterUserId = s.Reporter, ItemNo = s.Item, Description = "校门口有无证摊贩占道经营", IdempotencyKey = Guid.NewGuid().ToString(),
            });
        else
        {
            if (!outcomes.TryGetValue(s.Clue, out var last)) return;
            o = await clues.ApplyAsync(new ClueCommand
            {
                ClueId = last.ClueId, Action = s.Action, Version = last.Version!.Value, IdempotencyKey = Guid.NewGuid().ToString(),
                Actor = ActorRef.User(s.Actor), Rating = s.Rating,
                Note = s.Action is ClueAction.Resolve ? "已处置完毕" : s.Action is ClueAction.Escalate ? "需区级部门协调" : null,
            });
        }
        if (o.Kind == OutcomeKind.Applied) outcomes[s.Clue] = o;
    }

    /// <summary>The month's actions: report on a working day, accept within hours (some late), resolve within days (some late), 10 % escalated, 80 % rated.</summary>
    private static async Task<List<Step>> PlanAsync(MySqlDataSource db, int seed)
    {
        await using var conn = await db.OpenConnectionAsync();
        var schools = (await conn.QueryAsync<(long School, long Reporter, long Member, long Head)>("""
            SELECT g.school_id, r.user_id, m.user_id, h.user_id
              FROM work_groups g
              JOIN memberships r ON r.school_id = g.school_id AND r.role = 'Reporter'
              JOIN work_group_members m ON m.work_group_id = g.id AND m.line_code = 'POL'
              JOIN memberships h ON h.unit_id = m.unit_id AND h.role = 'UnitHead'
             ORDER BY g.school_id
            """)).DistinctBy(s => s.School).ToList();
        var district = await conn.ExecuteScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = 'demo-POL-handler'");
        var random = new Random(seed);
        var workdays = Enumerable.Range(1, 24).Where(d => new DateOnly(2026, 12, d).DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).ToList();
        var steps = new List<Step>();
        var n = 0;
        foreach (var s in schools)
            for (var k = 0; k < CluesPerSchool; k++, n++)
            {
                var at = China(workdays[random.Next(workdays.Count)], 8 + random.NextDouble() * 9);
                var item = random.Next(2) == 0 ? 4 : 5;
                steps.Add(new Step(n, at, ClueAction.Report, s.Reporter, s.Reporter, item));
                var roll = random.NextDouble();
                var accept = at.AddHours(roll < 0.7 ? 0.5 + random.NextDouble() * 2.5 : roll < 0.9 ? 3 + random.NextDouble() * 17 : 25 + random.NextDouble() * 5);
                steps.Add(new Step(n, accept, ClueAction.Accept, s.Member, s.Reporter, item));
                DateTimeOffset resolved;
                if (random.NextDouble() < 0.1)
                {
                    var up = accept.AddDays(1);
                    steps.Add(new Step(n, up, ClueAction.Escalate, s.Member, s.Reporter, item));
                    steps.Add(new Step(n, up.AddHours(2), ClueAction.ApproveEscalation, s.Head, s.Reporter, item));
                    steps.Add(new Step(n, up.AddHours(4), ClueAction.Accept, district, s.Reporter, item));
                    resolved = up.AddDays(2 + random.Next(4));
                    steps.Add(new Step(n, resolved, ClueAction.Resolve, district, s.Reporter, item));
                }
                else
                {
                    var r = random.NextDouble();
                    if (r < 0.05) continue;   // still open at the month's end
                    resolved = accept.AddDays(r < 0.85 ? 1 + random.Next(4) : 7 + random.Next(3)).AddHours(random.NextDouble() * 3);
                    steps.Add(new Step(n, resolved, ClueAction.Resolve, s.Member, s.Reporter, item));
                }
                if (random.NextDouble() < 0.8)
                    steps.Add(new Step(n, resolved.AddHours(20 + random.NextDouble() * 10), ClueAction.Rate, s.Reporter, s.Reporter, item,
                        random.NextDouble() < 0.9 ? ClueRating.Satisfied : ClueRating.Basic));
            }
        return steps;
    }

    /// <summary>The demo district's 20 schools grown to <paramref name="count"/>: each new school with its reporter, co-leader, work-group chat and the members of school 1's group.</summary>
    private static async Task GrowToAsync(MySqlDataSource db, int count)
    {
        await using var conn = await db.OpenConnectionAsync();
        var have = await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schools");
        var towns = (await conn.QueryAsync<long>("SELECT id FROM regions WHERE level = 'Town' ORDER BY id")).ToList();
        var template = await conn.ExecuteScalarAsync<long>("SELECT id FROM work_groups WHERE open_conversation_id = 'demo-cid-school01'");
        for (var i = have + 1; i <= count; i++)
        {
            var school = await conn.ExecuteScalarAsync<long>(
                "INSERT INTO schools (town_id, name) VALUES (@town, @name); SELECT LAST_INSERT_ID();", new { town = towns[i % towns.Count], name = $"预算模拟小学{i:D3}" });
            var group = await conn.ExecuteScalarAsync<long>(
                "INSERT INTO work_groups (school_id, name, open_conversation_id) VALUES (@school, @name, @cid); SELECT LAST_INSERT_ID();",
                new { school, name = $"预算模拟小学{i:D3}护校安园工作组", cid = $"budget-cid-{i:D3}" });
            await conn.ExecuteAsync("""
                INSERT INTO work_group_members (work_group_id, line_code, user_id, unit_id)
                SELECT @group, line_code, user_id, unit_id FROM work_group_members WHERE work_group_id = @template
                """, new { group, template });
            foreach (var (role, title) in new[] { ("Reporter", (string?)null), ("CoLeader", "SchoolLeader") })
            {
                var user = await conn.ExecuteScalarAsync<long>("""
                    INSERT INTO users (dingtalk_user_id, union_id, name, created_at, updated_at) VALUES (@d, @u, @n, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
                    SELECT LAST_INSERT_ID();
                    """, new { d = $"budget-{role}-{i:D3}", u = $"budget-union-{role}-{i:D3}", n = $"模拟{i:D3}" });
                await conn.ExecuteAsync("INSERT INTO memberships (user_id, role, school_id, title, created_at) VALUES (@user, @role, @school, @title, UTC_TIMESTAMP(6))",
                    new { user, role, school, title });
            }
        }
    }
}
