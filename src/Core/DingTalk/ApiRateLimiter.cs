namespace SchoolSafety.Core.DingTalk;

/// <summary>
/// At most N calls per API in any one-second window (a sliding log per API key), shared by all callers
/// in the process. Callers wait their turn. The window is one second plus <see cref="DingTalkOptions.RateWindowMargin"/>,
/// so that network jitter between here and DingTalk cannot make DingTalk see N+1 calls in a second.
/// </summary>
public sealed class ApiRateLimiter(TimeProvider clock, int callsPerWindow, TimeSpan window)
{
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public int CallsPerWindow { get; } = callsPerWindow;
    public TimeSpan Window { get; } = window;

    /// <summary>Waits until a call to <paramref name="api"/> is allowed, and records it.</summary>
    public async Task WaitAsync(string api, CancellationToken ct)
    {
        Lane lane;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(api, out lane!)) _lanes[api] = lane = new Lane(CallsPerWindow);
        }
        await lane.Gate.WaitAsync(ct);
        try
        {
            while (true)
            {
                var now = clock.GetUtcNow();
                if (lane.Sent.Count < CallsPerWindow)
                {
                    lane.Sent.Enqueue(now);
                    return;
                }
                var oldest = lane.Sent.Peek();
                var wait = oldest + Window - now;
                if (wait <= TimeSpan.Zero)
                {
                    lane.Sent.Dequeue();
                    continue;
                }
                await Task.Delay(wait, clock, ct);
            }
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    private sealed class Lane(int capacity)
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public Queue<DateTimeOffset> Sent { get; } = new(capacity);
    }
}
