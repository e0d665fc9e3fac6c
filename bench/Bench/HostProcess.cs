using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SchoolSafety.Core.Startup;

namespace SchoolSafety.Bench;

/// <summary>
/// A host as its own process (<c>dotnet SchoolSafety.X.dll</c> in a Release output folder) on a database, timed from the
/// process's start to its first 200 on <c>/readyz</c>, with the host's own start-up timeline (<see cref="StartupTimeline"/>).
/// Ports: <c>SCHOOLSAFETY_BENCH_HOST_PORTS</c> ("5210,5211,5212": the mini-app, Callbacks, Bot) when set, so that benches
/// run by different people at once never take each other's ports; else a free port the system picks.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    public static readonly string[] Names = ["MiniApp.Api", "Callbacks", "Bot"];

    public required string Name { get; init; }
    public required Process Process { get; init; }
    public required string Url { get; init; }
    public TimeSpan Ready { get; private set; }
    public long IdleRss { get; set; }

    /// <summary>The host's timeline line (<c>phase=ms …</c>), when its <see cref="StartupTimeline.Category"/> logs.</summary>
    public string? Timeline => timeline;

    private string? scratch;
    private volatile string? timeline;

    public long Rss()
    {
        try
        {
            var line = File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { return 0; }
    }

    /// <summary>The folder <c>dotnet build -c Release</c> writes the host to (what <c>scripts/run.sh</c> ran before issue 11's start-up work).</summary>
    public static string BuildFolder(string root, string name) => Path.Combine(root, "src", name, "bin", "Release", "net10.0");

    /// <summary>
    /// Publishes the host as <c>scripts/run.sh</c> runs it (Release, framework-dependent, ReadyToRun for linux-x64: its
    /// assemblies compiled ahead of time) into <c>.local/bench-hosts/&lt;name&gt;</c>; returns the folder.
    /// </summary>
    public static async Task<string> PublishAsync(string root, string name)
    {
        var folder = Path.Combine(root, ".local", "bench-hosts", name);
        using var publish = Process.Start("bash", [Path.Combine(root, "scripts", "publish.sh"), name, folder]);
        await publish.WaitForExitAsync();
        if (publish.ExitCode != 0) throw new InvalidOperationException($"scripts/publish.sh {name} failed ({publish.ExitCode})");
        return folder;
    }

    public static async Task<HostProcess> StartAsync(string folder, string name, string connectionString, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(folder, $"SchoolSafety.{name}.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build or publish the host first");
        var port = Port(name);
        var scratch = Path.Combine(Path.GetTempPath(), $"schoolsafety-bench-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        var psi = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        psi.Environment["ConnectionStrings__SchoolSafety"] = connectionString;
        psi.Environment["SchoolSafety__LoadDemo"] = "false";
        psi.Environment["Photos__Folder"] = Path.Combine(scratch, "photos");
        psi.Environment["DingTalk__OfflineLogPath"] = Path.Combine(scratch, "dingtalk-calls.jsonl");
        psi.Environment["DingTalk__OfflineRecordInDatabase"] = "false";   // the file is enough; the table would outlive the run
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        // The province's audit rows go five years back, past the three years kept: the Bot's first retention purge would
        // delete ~400,000 of them during the measurement (batches of 18 s each at 1,000,000 clues), which no district
        // kept for years ever does at once. The purge is not what the benches measure.
        psi.Environment["Retention__AuditLogDays"] = "36500";
        psi.Environment[$"Logging__LogLevel__{StartupTimeline.Category}"] = "Information";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var sw = Stopwatch.StartNew();
        var process = Process.Start(psi)!;
        var host = new HostProcess { Name = name, Process = process, Url = $"http://127.0.0.1:{port}", scratch = scratch };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.IndexOf(StartupTimeline.Prefix, StringComparison.Ordinal) is var at and >= 0)
                host.timeline = line[(at + StartupTimeline.Prefix.Length)..].Trim();
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var r = await http.GetAsync($"{host.Url}/readyz");
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    host.Ready = sw.Elapsed;
                    for (var i = 0; i < 100 && host.timeline is null; i++) await Task.Delay(20);   // the console logger writes on its own thread
                    return host;
                }
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (process.HasExited) break;
            await Task.Delay(25);
        }
        host.Dispose();
        throw new InvalidOperationException($"{name} was not ready within 60 s");
    }

    /// <summary>The timeline as (phase, ms since the process started), in the order the host marked them.</summary>
    public IReadOnlyList<(string Phase, double Ms)> Phases() =>
        timeline is null ? [] : timeline.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('='))
            .Where(p => p.Length == 2)
            .Select(p => (p[0], double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();

    private static int Port(string name)
    {
        if (Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_HOST_PORTS") is { Length: > 0 } ports)
        {
            var list = ports.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            var i = Array.IndexOf(Names, name);
            if (i < 0 || i >= list.Length) throw new InvalidOperationException($"SCHOOLSAFETY_BENCH_HOST_PORTS has no port for {name} (mini-app, Callbacks, Bot)");
            return list[i];
        }
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!Process.HasExited) { Process.Kill(entireProcessTree: true); Process.WaitForExit(10_000); }
        Process.Dispose();
        if (scratch is not null && Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
    }
}
