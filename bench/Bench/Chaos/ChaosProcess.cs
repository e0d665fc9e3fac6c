using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// A host as a real process: <c>dotnet SchoolSafety.X.dll</c> from its Release output folder (built once by scripts/chaos.sh or
/// the test command), with the environment a trial gives it, on a fixed port. <see cref="Kill"/> is SIGKILL by pid (what
/// <c>kill -9</c> does): no shutdown code runs. Its output goes to a log file under the trial's scratch folder.
/// </summary>
public sealed class ChaosProcess : IAsyncDisposable
{
    public string Name { get; }
    public string Url { get; }
    public int Port { get; }
    private readonly Dictionary<string, string> _env;
    private readonly string _log;
    private Process? _process;
    private readonly Lock _logLock = new();

    public ChaosProcess(string name, int port, Dictionary<string, string> env, string scratch, string? instance = null)
    {
        Name = name;
        Port = port;
        Url = $"http://127.0.0.1:{port}";
        _env = env;
        _log = Path.Combine(scratch, $"{instance ?? name}.log");
    }

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;
    public bool Running => _process is { HasExited: false };

    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "SchoolSafety.sln"))) return d.FullName;
        throw new InvalidOperationException("SchoolSafety.sln not found above the harness's folder");
    }

    public static string DllOf(string name)
    {
        var dll = Path.Combine(RepoRoot(), "src", name, "bin", "Release", "net10.0", $"SchoolSafety.{name}.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"build the hosts first (dotnet build -c Release): {dll} is missing");
        return dll;
    }

    /// <summary>Starts the process (not waiting for it to be ready).</summary>
    public void Start()
    {
        if (Running) throw new InvalidOperationException($"{Name} is running already");
        _process?.Dispose();
        var dll = DllOf(Name);
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = Url;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning";
        foreach (var (k, v) in _env) start.Environment[k] = v;
        var p = Process.Start(start)!;
        p.OutputDataReceived += (_, e) => Append(e.Data);
        p.ErrorDataReceived += (_, e) => Append(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        // scripts/chaos.sh kills what is listed here by pid, should the harness itself die before it cleans up.
        if (Environment.GetEnvironmentVariable("CHAOS_PIDFILE") is { Length: > 0 } pidFile)
            lock (PidFileLock) File.AppendAllText(pidFile, p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
    }

    private static readonly Lock PidFileLock = new();

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_logLock) File.AppendAllText(_log, line + "\n");
    }

    /// <summary>Starts the process and waits until <c>/readyz</c> answers 200; returns how long that took.</summary>
    public async Task<TimeSpan> StartReadyAsync(TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        Start();
        await WaitReadyAsync(timeout ?? TimeSpan.FromSeconds(90));
        return watch.Elapsed;
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (!Running) throw new InvalidOperationException($"{Name} exited during start-up; see {_log}:\n{Tail()}");
            try
            {
                using var r = await http.GetAsync($"{Url}/readyz");
                if (r.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s; see {_log}:\n{Tail()}");
    }

    public string Tail() => File.Exists(_log) ? string.Join('\n', File.ReadLines(_log).TakeLast(30)) : "(no output)";

    /// <summary>SIGKILL, then waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } p) return;
        p.Kill();   // SIGKILL on Linux: the process gets no chance to finish anything
        await p.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        _process = null;
    }
}

/// <summary>Ports for the trial's hosts and fakes: free ones from 5600–5699, the range this harness may use.</summary>
public static class ChaosPorts
{
    private static int _next = 5600 + Environment.ProcessId % 50;

    public static int Next()
    {
        for (var tries = 0; tries < 100; tries++)
        {
            var port = 5600 + (Interlocked.Increment(ref _next) - 5600) % 100;
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("no free port in 5600-5699");
    }
}
