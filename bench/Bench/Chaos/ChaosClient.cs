using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// One operation of a burst, as a client sends it: the same request (same idempotency key, same signature) until it gets a
/// definitive answer — any 2xx or 4xx — whatever happened to the host meanwhile (a refused connection, a reset, a 5xx).
/// </summary>
public sealed class ChaosOp
{
    public required string Id { get; init; }
    public required Func<HttpClient, CancellationToken, Task<HttpResponseMessage>> Send { get; init; }
    public object? Tag { get; init; }
    public int Status { get; set; }
    public string? Answer { get; set; }
    public int Attempts { get; set; }
    /// <summary>Set when a kill found this operation's request outstanding: one trial.</summary>
    public bool Interrupted { get; set; }
    public bool Done => Status is >= 200 and < 500;
}

/// <summary>
/// Runs operations from a queue on N workers against a host that is killed and restarted under them, and knows at each kill
/// which operations had a request outstanding (the trials).
/// </summary>
public sealed class ChaosBurst : IDisposable
{
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<ChaosOp, byte> _outstanding = new();
    private readonly Func<ChaosOp?> _next;
    private readonly List<Task> _workers = [];
    private readonly CancellationTokenSource _stop = new();
    public ConcurrentBag<ChaosOp> Finished { get; } = [];
    /// <summary>Every answer's status (0: none), for the log.</summary>
    public ConcurrentDictionary<int, int> Statuses { get; } = new();
    public string? LastFailure { get; private set; }

    public ChaosBurst(string baseUrl, Func<ChaosOp?> next)
    {
        // No connection outlives a kill: a fresh connection per retry, short timeouts.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(2), ConnectTimeout = TimeSpan.FromSeconds(2) })
        {
            BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30),
        };
        _next = next;
    }

    public void Start(int workers)
    {
        for (var i = 0; i < workers; i++) _workers.Add(Task.Run(WorkAsync));
    }

    /// <summary>
    /// Kills the host under the burst: notes which operations have a request outstanding just before, and after the kill
    /// counts those whose request got no answer (it died with the host) as new trials.
    /// </summary>
    public async Task<int> KillAsync(ChaosProcess host)
    {
        var before = _outstanding.Keys.Select(op => (Op: op, op.Attempts)).ToList();
        await host.KillAsync();
        await Task.Delay(200);   // the dead connections' requests fail in their workers
        var n = 0;
        foreach (var (op, attempt) in before)
            if (!op.Interrupted && !(op.Done && op.Attempts == attempt)) { op.Interrupted = true; n++; }
        return n;
    }

    public int Outstanding => _outstanding.Count;

    /// <summary>
    /// Kills and restarts <paramref name="host"/> at random moments of the running burst until <paramref name="trials"/>
    /// operations were interrupted; returns the kills and the trials. The host is running again at the end.
    /// </summary>
    public async Task<(int Kills, int Trials)> KillRoundsAsync(ChaosProcess host, int trials, int kind, TextWriter log)
    {
        int kills = 0, interrupted = 0;
        var watch = Stopwatch.StartNew();
        while (interrupted < trials)
        {
            await RandomMomentAsync(1000);
            interrupted += await KillAsync(host);
            kills++;
            await log.WriteLineAsync($"  kind {kind}: kill {kills}: {interrupted}/{trials} trials, {watch.Elapsed.TotalSeconds:0} s; answers {string.Join(", ", Statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}; {LastFailure}");
            await host.StartReadyAsync();
        }
        return (kills, interrupted);
    }

    private int _answered;
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>
    /// After a (re)start: waits until the host has answered one more operation (it is serving, not just up), then a random
    /// moment of up to <paramref name="maxMs"/>, so that each kill lands somewhere in a running burst.
    /// </summary>
    public async Task RandomMomentAsync(int maxMs)
    {
        var seen = Volatile.Read(ref _answered);
        var watch = Stopwatch.StartNew();
        while (Volatile.Read(ref _answered) == seen && watch.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(5);
        await Task.Delay(Random.Shared.Next(0, maxMs));
    }

    /// <summary>Waits until the queue is empty and every operation has its answer.</summary>
    public async Task CompleteAsync(TimeSpan timeout)
    {
        var all = Task.WhenAll(_workers);
        if (await Task.WhenAny(all, Task.Delay(timeout)) != all)
        {
            await _stop.CancelAsync();
            throw new TimeoutException($"the burst did not finish within {timeout.TotalSeconds:0} s ({_outstanding.Count} outstanding)");
        }
    }

    private async Task WorkAsync()
    {
        while (!_stop.IsCancellationRequested && _next() is { } op)
        {
            var backoff = Stopwatch.StartNew();
            while (!op.Done && !_stop.IsCancellationRequested)
            {
                op.Attempts++;
                _outstanding[op] = 0;
                try
                {
                    using var response = await op.Send(_http, _stop.Token);
                    op.Status = (int)response.StatusCode;
                    op.Answer = await response.Content.ReadAsStringAsync(_stop.Token);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    op.Status = 0;   // no answer: the host is down or died mid-request; the client tries again
                }
                finally
                {
                    _outstanding.TryRemove(op, out _);
                }
                Statuses.AddOrUpdate(op.Status, 1, (_, n) => n + 1);
                if (op.Done) Interlocked.Increment(ref _answered);
                if (op.Status >= 500) LastFailure = $"{op.Id}: {op.Status} {op.Answer}";
                if (op.Status == (int)HttpStatusCode.TooManyRequests) op.Status = 503;   // a limit is not an answer: wait
                if (!op.Done) await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(500, 50 + backoff.ElapsedMilliseconds / 10)));
            }
            Finished.Add(op);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _http.Dispose();
        _stop.Dispose();
    }
}
