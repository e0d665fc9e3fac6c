using System.Globalization;
using MySqlConnector;

namespace SchoolSafety.Bench;

/// <summary>
/// Issue 11's start-up: each host started as its own process, one at a time, until its <c>/readyz</c> answers 200, in
/// each variant alternately in every round (so both see the same load): <c>jit</c> (<c>dotnet build -c Release</c>'s output, plain IL,
/// built with the bench) and <c>r2r</c> (published ReadyToRun, as <c>scripts/run.sh</c> runs them),
/// and R2R with <c>DOTNET_TieredPGO=0</c>. Prints, per host and variant, the medians over the rounds of the time to ready
/// (as the bench saw it), the resident memory then, and the host's own timeline (<c>StartupTimeline</c>: ms since the
/// process started at the end of each phase). <c>bench -- startup [rounds] [database|province]</c>: the bench database
/// (small: the hosts migrate it in an unmeasured first start), or the province left by <c>scale … keep</c> /
/// <c>province N</c>. <c>STARTUP_BASELINE=&lt;folder&gt;</c> adds the hosts built (<c>dotnet build -c Release</c>) in another
/// checkout as a variant, e.g. the code before a change (they have no timeline: only the bench's time to ready).
/// </summary>
public static class StartupBench
{
    private sealed record Variant(string Name, bool ReadyToRun, Dictionary<string, string> Environment);

    public static async Task RunAsync(string[] args)
    {
        var bench = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var province = args.Length > 1 && args[1] == "province";
        var cs = province ? Province.ConnectionStringFor(bench) : bench;
        await using (var conn = new MySqlConnection(cs))
        {
            await conn.OpenAsync();
            var clues = await Dapper.SqlMapper.ExecuteScalarAsync<long?>(conn,
                "SELECT table_rows FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'clues'");
            Console.WriteLine($"start-up bench: database {conn.Database} (~{clues ?? 0:N0} clues), {rounds} rounds, {Environment.ProcessorCount} cores, " +
                $"load {Load()} at start, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        }
        var root = ScaleBench.RepoRoot();
        List<Variant> variants =
        [
            new("jit", false, []),
            new("r2r", true, []),
            new("r2r, TieredPGO off", true, new() { ["DOTNET_TieredPGO"] = "0" }),
        ];
        var folders = new Dictionary<(string Host, string Variant), string>();
        foreach (var name in HostProcess.Names)
        {
            var published = await HostProcess.PublishAsync(root, name);
            foreach (var v in variants) folders[(name, v.Name)] = v.ReadyToRun ? published : HostProcess.BuildFolder(root, name);   // built with the bench
        }
        // STARTUP_BASELINE=<another checkout, built with dotnet build -c Release>: its hosts as a variant too (the code before a change).
        if (Environment.GetEnvironmentVariable("STARTUP_BASELINE") is { Length: > 0 } baseline)
        {
            variants = [new("baseline (build)", false, []), .. variants];
            foreach (var name in HostProcess.Names) folders[(name, variants[0].Name)] = HostProcess.BuildFolder(baseline, name);
        }
        Console.WriteLine($"published; load {Load()}");
        // An unmeasured start of each (migrates a fresh database, fills the page cache with the assemblies).
        foreach (var name in HostProcess.Names)
            using (await HostProcess.StartAsync(folders[(name, "r2r")], name, cs)) { }

        var runs = new Dictionary<(string Host, string Variant), List<(double Ready, double RssMb, IReadOnlyList<(string Phase, double Ms)> Phases)>>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var name in HostProcess.Names)
                foreach (var v in round % 2 == 0 ? Enumerable.Reverse(variants) : variants)
                {
                    using var host = await HostProcess.StartAsync(folders[(name, v.Name)], name, cs, v.Environment);
                    var run = (host.Ready.TotalMilliseconds, host.Rss() / 1048576.0, host.Phases());
                    (runs.TryGetValue((name, v.Name), out var l) ? l : runs[(name, v.Name)] = []).Add(run);
                    Console.WriteLine($"  round {round}, {name}, {v.Name}: ready {run.Item1:0} ms, {run.Item2:0} MB, load {Load()}; {host.Timeline}");
                }
        }

        Console.WriteLine();
        Console.WriteLine("| host | variant | ready (bench) | resident | " + "phases (host's timeline, ms since process start; median) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var ((name, variant), list) in runs)
        {
            var phases = list.SelectMany(r => r.Phases.Select(p => p.Phase)).Distinct().ToList();
            var cells = phases.Select(p => (p, Median(list.SelectMany(r => r.Phases.Where(x => x.Phase == p).Select(x => x.Ms))))).ToList();
            var text = string.Join(", ", cells.Select((c, i) => i == 0 ? $"{c.p} {c.Item2:0}" : $"{c.p} +{c.Item2 - cells[i - 1].Item2:0}"));
            Console.WriteLine($"| {name} | {variant} | {Median(list.Select(r => r.Ready)):0} ms | {Median(list.Select(r => r.RssMb)):0} MB | {text} |");
        }
        Console.WriteLine($"load {Load()} at the end");
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
