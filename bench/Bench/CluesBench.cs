using System.Diagnostics;
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

namespace SchoolSafety.Bench;

/// <summary>
/// Clue report through Core (clue + timeline event + outbox rows + idempotency key, one transaction)
/// against a bare single-row insert+commit, both at the same concurrency on the same MariaDB.
/// Target: report rate ≥ 0.5 × the bare rate.
/// </summary>
public static class CluesBench
{
    public static async Task RunAsync(string[] args)
    {
        var cs = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var writers = args.Length > 0 ? int.Parse(args[0]) : 16;
        var seconds = args.Length > 1 ? double.Parse(args[1]) : 10;

        await using var services = BenchHost.CoreServices(cs);
        var db = services.GetRequiredService<MySqlDataSource>();
        await services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        await services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
        await using (var conn = await db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS bench_raw (
                    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(200) NOT NULL, created_at DATETIME(6) NOT NULL
                ) ENGINE = InnoDB
                """);
            // Every run starts from empty clue tables, so runs compare.
            foreach (var t in new[] { "bench_raw", "outbox", "idempotency_keys", "clue_events", "clue_units", "clues", "clue_number_counters" })
                await conn.ExecuteAsync($"DELETE FROM {t}");
        }
        var reporters = (await (await db.OpenConnectionAsync()).QueryAsync<long>(
            "SELECT user_id FROM memberships WHERE role = 'Reporter' AND title IS NULL ORDER BY user_id")).ToArray();
        var clues = services.GetRequiredService<ClueService>();

        Console.WriteLine($"clues bench: {writers} concurrent writers, {seconds:0} s per phase, MariaDB {await VersionAsync(db)}");
        // Warm both paths (JIT, pool), then measure the bare baseline and the report alternately twice.
        await MeasureAsync(writers, 1, _ => RawInsertAsync(db));
        await MeasureAsync(writers, 1, i => ReportAsync(clues, reporters, i));
        var school = await (await db.OpenConnectionAsync()).QuerySingleAsync<long>("SELECT MIN(id) FROM schools");
        var raw = new List<double>(); var report = new List<double>(); var floor = new List<double>();
        for (var round = 0; round < 2; round++)
        {
            raw.Add(await MeasureAsync(writers, seconds, _ => RawInsertAsync(db)));
            report.Add(await MeasureAsync(writers, seconds, i => ReportAsync(clues, reporters, i)));
            floor.Add(await MeasureAsync(writers, seconds, i => FloorAsync(db, school, reporters[0], i)));
        }
        var a = raw.Average(); var b = report.Average();
        Console.WriteLine($"(a) raw insert+commit     : {a,8:0.0} /s   (rounds: {string.Join(", ", raw.Select(r => r.ToString("0.0")))})");
        Console.WriteLine($"(b) clue report via Core  : {b,8:0.0} /s   (rounds: {string.Join(", ", report.Select(r => r.ToString("0.0")))})");
        Console.WriteLine($"ratio (b)/(a)             : {b / a,8:0.00}   (target ≥ 0.50)");
        var c = floor.Average();
        Console.WriteLine($"(c) floor: the same rows, hand-written, one round trip, no reads: {c,8:0.0} /s   (c)/(a) = {c / a:0.00}   (rounds: {string.Join(", ", floor.Select(r => r.ToString("0.0")))})");
    }

    private static async Task<string> VersionAsync(MySqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string>("SELECT VERSION()") ?? "?";
    }

    private static async Task RawInsertAsync(MySqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("INSERT INTO bench_raw (payload, created_at) VALUES (@p, UTC_TIMESTAMP(6))", new { p = "校门口有无证摊贩占道经营" }, tx);
        await tx.CommitAsync();
    }

    /// <summary>
    /// The floor for (b): the rows a report writes (clue, first event, two outbox rows, idempotency key)
    /// as one transaction in one round trip (begin and commit in the batch, as the report does), with no
    /// reads, checks, routing or numbering.
    /// </summary>
    private static async Task FloorAsync(MySqlDataSource db, long school, long reporter, long i)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            START TRANSACTION;
            INSERT INTO clues (number, school_id, town_id, item_no, line_code, description, reporter_user_id, created_at, updated_at, state, tier, unrouted, version)
            VALUES (@n, @school, 1, 4, 'POL', '校门口有无证摊贩占道经营', @reporter, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'PendingAcceptance', 'WorkGroup', 0, 1);
            INSERT INTO clue_events (clue_id, action, actor_user_id, actor_label, occurred_at, to_state, to_tier, version)
            VALUES (LAST_INSERT_ID(), 'Report', @reporter, '测试', UTC_TIMESTAMP(6), 'PendingAcceptance', 'WorkGroup', 1);
            INSERT INTO outbox (topic, ordering_key, payload, created_at, next_attempt_at)
            VALUES ('bench', NULL, JSON_OBJECT('clueId', (SELECT id FROM clues WHERE number = @n)), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
                   ('bench', NULL, JSON_OBJECT('clueId', (SELECT id FROM clues WHERE number = @n)), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
            INSERT INTO idempotency_keys (scope, idem_key, outcome, created_at) VALUES ('bench', @n, JSON_OBJECT('clueId', (SELECT id FROM clues WHERE number = @n)), UTC_TIMESTAMP(6));
            COMMIT;
            """, new { n = $"F{Guid.NewGuid():N}"[..30], school, reporter });
    }

    private static async Task ReportAsync(ClueService clues, long[] reporters, long i)
    {
        var outcome = await clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = reporters[i % reporters.Length], ItemNo = 4, Description = "校门口有无证摊贩占道经营",
            IdempotencyKey = Guid.NewGuid().ToString(),
        });
        if (outcome.Kind != OutcomeKind.Applied) throw new InvalidOperationException(outcome.Message);
    }

    /// <summary>Runs <paramref name="op"/> from N writers for the given time; returns completed operations per second.</summary>
    private static async Task<double> MeasureAsync(int writers, double seconds, Func<long, Task> op)
    {
        long done = 0;
        var sw = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            while (sw.Elapsed < until)
            {
                await op(Interlocked.Increment(ref done));
            }
        })));
        return done / sw.Elapsed.TotalSeconds;
    }
}
