using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Statistics;

namespace SchoolSafety.Bench;

/// <summary>
/// Issue 11's statistics, in process, on the generated province: a line's year and the province's year read from the
/// daily summary against the same figures computed by definition from every clue (as before the summary), alternating
/// in the same run, each answer checked equal. <c>bench -- statistics [clues] [rounds] [keep]</c>; a province of that
/// size left by a <c>keep</c> run is reused (and migrated: the summary's backfill is timed), else one is generated.
/// </summary>
public static class StatisticsBench
{
    public static async Task RunAsync(string[] args)
    {
        var bench = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var size = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var keep = args.Length > 2 && args[2] == "keep";
        Console.WriteLine($"statistics bench: {size:N0} clues, {rounds} rounds, load {Load()} at start, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var info = keep && await Province.ExistingAsync(bench, size) is { } kept ? kept : await Province.GenerateAsync(bench, size, log: Console.Out);
        try
        {
            await using (var source = new MySqlDataSourceBuilder(info.ConnectionString).Build())
            {
                var sw = Stopwatch.StartNew();
                var applied = await new SchemaMigrator(source, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
                if (applied > 0) Console.WriteLine($"  {applied} migrations applied (the summary's backfill among them) in {sw.Elapsed.TotalSeconds:0} s");
            }
            await using var services = BenchHost.CoreServices(info.ConnectionString);
            var store = services.GetRequiredService<StatisticsStore>();
            var db = services.GetRequiredService<MySqlDataSource>();
            await using var conn = await db.OpenConnectionAsync();
            var org = services.GetRequiredService<OrganisationStore>();
            var today = DateOnly.FromDateTime(DateTime.UtcNow + ClueStatistics.ChinaOffset);
            var (from, to) = (today.AddDays(-364), today);
            var cases = new List<(string Name, StatisticsScope Scope)>();
            foreach (var (name, user) in new[] { ("a line's year (district department)", "prov-d0-u3-h1"), ("the province's year (admin)", "prov-admin") })
            {
                var id = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT id FROM users WHERE dingtalk_user_id = @user", new { user });
                cases.Add((name, StatisticsScope.For(await org.ActorAsync(conn, id, CancellationToken.None))!));
            }
            Console.WriteLine("| statistics | by definition: median ms | allocated MB | from the summary: median ms | allocated MB | same answer |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (var (name, scope) in cases)
            {
                var (old, summary) = (new List<(double Ms, double Mb)>(), new List<(double Ms, double Mb)>());
                var same = true;
                for (var r = 0; r < rounds; r++)
                {
                    var now = DateTime.UtcNow;
                    var (a, ta) = await TimedAsync(() => store.ByDefinitionAsync(conn, from, to, now, scope, CancellationToken.None));
                    var (b, tb) = await TimedAsync(() => store.SummaryAsync(conn, from, to, now, scope, CancellationToken.None));
                    old.Add(ta); summary.Add(tb);
                    same &= JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);
                    Console.WriteLine($"  {name}, round {r + 1}: by definition {ta.Ms:0} ms ({ta.Mb:0} MB), summary {tb.Ms:0} ms ({tb.Mb:0} MB); {a.Total:N0} clues");
                }
                Console.WriteLine($"| {name} | {Median(old.Select(x => x.Ms)):0} | {Median(old.Select(x => x.Mb)):0} | {Median(summary.Select(x => x.Ms)):0} | " +
                    $"{Median(summary.Select(x => x.Mb)):0.0} | {(same ? "yes" : "NO")} |");
            }
            Console.WriteLine($"load {Load()} at the end");
        }
        finally
        {
            if (!keep) await Province.RemoveAsync(bench);
        }
    }

    private static async Task<(T Value, (double Ms, double Mb) Cost)> TimedAsync<T>(Func<Task<T>> run)
    {
        var allocated = GC.GetTotalAllocatedBytes(true);
        var sw = Stopwatch.StartNew();
        var value = await run();
        return (value, (sw.Elapsed.TotalMilliseconds, (GC.GetTotalAllocatedBytes(true) - allocated) / 1048576.0));
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
