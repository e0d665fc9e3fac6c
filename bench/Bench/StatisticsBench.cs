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
            // STATISTICS_ONLY=line: a line's year alone (while working on it; the province's year by definition takes seconds a round).
            var only = Environment.GetEnvironmentVariable("STATISTICS_ONLY");
            foreach (var (name, user) in new[] { ("a line's year (district department)", "prov-d0-u3-h1"), ("the province's year (admin)", "prov-admin") })
            {
                if (only == "line" && user == "prov-admin") continue;
                var id = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT id FROM users WHERE dingtalk_user_id = @user", new { user });
                cases.Add((name, StatisticsScope.For(await org.ActorAsync(conn, id, CancellationToken.None))!));
            }
            Console.WriteLine("| statistics | by definition: median ms | allocated MB | CPU ms | from the summary: median ms | allocated MB | CPU ms | same answer |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var (name, scope) in cases)
            {
                var (old, summary) = (new List<(double Ms, double Mb, double Cpu, double DbCpu)>(), new List<(double Ms, double Mb, double Cpu, double DbCpu)>());
                var same = true;
                for (var r = 0; r < rounds; r++)
                {
                    var now = DateTime.UtcNow;
                    var (a, ta) = await TimedAsync(() => store.ByDefinitionAsync(conn, from, to, now, scope, CancellationToken.None));
                    var (b, tb) = await TimedAsync(() => store.SummaryAsync(conn, from, to, now, scope, CancellationToken.None));
                    old.Add(ta); summary.Add(tb);
                    same &= JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);
                    Console.WriteLine($"  {name}, round {r + 1}: by definition {ta.Ms:0} ms ({ta.Mb:0} MB, CPU {ta.Cpu:0} ms, of it the database's {ta.DbCpu:0}), summary {tb.Ms:0} ms " +
                        $"({tb.Mb:0} MB, CPU {tb.Cpu:0} ms, of it the database's {tb.DbCpu:0}); {a.Total:N0} clues; load {Load()}");
                }
                Console.WriteLine($"| {name} | {Median(old.Select(x => x.Ms)):0} | {Median(old.Select(x => x.Mb)):0} | {Median(old.Select(x => x.Cpu)):0} | " +
                    $"{Median(summary.Select(x => x.Ms)):0} | {Median(summary.Select(x => x.Mb)):0.0} | {Median(summary.Select(x => x.Cpu)):0} | {(same ? "yes" : "NO")} |");
            }
            Console.WriteLine($"load {Load()} at the end");
        }
        finally
        {
            if (!keep) await Province.RemoveAsync(bench);
        }
    }

    private static async Task<(T Value, (double Ms, double Mb, double Cpu, double DbCpu) Cost)> TimedAsync<T>(Func<Task<T>> run)
    {
        var allocated = GC.GetTotalAllocatedBytes(true);
        var (host, database) = CpuMs();
        var sw = Stopwatch.StartNew();
        var value = await run();
        var elapsed = sw.Elapsed.TotalMilliseconds;
        var (host2, database2) = CpuMs();
        return (value, (elapsed, (GC.GetTotalAllocatedBytes(true) - allocated) / 1048576.0, host2 - host + database2 - database, database2 - database));
    }

    /// <summary>
    /// The CPU time used so far by this process and by the bench's MariaDB (its pid file under .local, when run from the
    /// checkout): a call's cost in CPU, which the load of a shared machine stretches less than its wall time.
    /// </summary>
    internal static (double Host, double Database) CpuMs()
    {
        var ms = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        var database = 0.0;
        var pidFile = Path.Combine(".local", "mariadb", "mysqld.pid");
        if (File.Exists(pidFile) && File.Exists($"/proc/{File.ReadAllText(pidFile).Trim()}/stat"))
        {
            // utime and stime, fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name), in clock ticks (100 a second).
            var stat = File.ReadAllText($"/proc/{File.ReadAllText(pidFile).Trim()}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            database = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
        }
        return (ms, database);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
