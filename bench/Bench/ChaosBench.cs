using System.Globalization;
using SchoolSafety.Bench.Chaos;

namespace SchoolSafety.Bench;

/// <summary>
/// Crash trials (issue 15): <c>bench chaos &lt;kind|all&gt; [trials]</c>, run by scripts/chaos.sh. Each kind kills real host
/// processes (or the database) with SIGKILL and counts what was lost or doubled; the table goes to stdout and, with
/// <c>--table FILE</c>, to a file. Exit 1 when a kind lost something or doubled what the product could have kept once.
/// </summary>
public static class ChaosBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cs = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var table = args.SkipWhile(a => a != "--table").Skip(1).FirstOrDefault();
        var plain = args.TakeWhile(a => a != "--table").ToArray();
        var kinds = plain.Length == 0 || plain[0] == "all" ? ChaosKinds.All : plain[0].Split(',').Select(k => int.Parse(k, CultureInfo.InvariantCulture)).ToArray();
        double? scale = plain.Length > 1 ? double.Parse(plain[1], CultureInfo.InvariantCulture) : null;
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        Console.WriteLine($"chaos: kinds {string.Join(",", kinds)}, {Environment.ProcessorCount} cores, load {load} at start, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var results = new List<ChaosResult>();
        foreach (var kind in kinds)
        {
            var trials = ChaosKinds.Trials(kind, scale);
            var started = DateTime.UtcNow;
            Console.WriteLine($"chaos: kind {kind}, {trials} trials…");
            var r = await ChaosKinds.RunAsync(kind, cs, trials, Console.Out);
            results.Add(r);
            Console.WriteLine($"chaos: kind {kind} done in {(DateTime.UtcNow - started).TotalSeconds:0} s: {r.Trials} trials, {r.Losses} losses, {r.Duplicates} duplicates; {r.Measured}");
        }
        var text = ChaosResult.Table(results);
        Console.WriteLine();
        Console.Write(text);
        Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        if (table is not null) await File.WriteAllTextAsync(table, text);
        return results.All(r => r.Losses == 0) ? 0 : 1;
    }
}
