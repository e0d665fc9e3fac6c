namespace SchoolSafety.Core.DingTalk;

/// <summary>
/// At most N calls per API in any window (one second by default), shared by all callers in the process.
/// A call holds its slot from the moment it is allowed until its answer is back, and then for one more window:
/// DingTalk counts a call somewhere between our send and its answer, so however uneven the network is,
/// DingTalk can never see N+1 of our calls inside one window. The cost is the round trip: the rate is
/// N / (window + latency), about 95 % of N at 50 ms. One gap: a call that fails or is cancelled on our side
/// ends its slot then, although its request may still be on the way; should DingTalk then count N+1, it answers
/// with a throttling code, which the client already backs off from and retries.
/// </summary>
public sealed class ApiRateLimiter(TimeProvider clock, int callsPerWindow, TimeSpan window)
{
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public int CallsPerWindow { get; } = callsPerWindow;
    public TimeSpan Window { get; } = window;

    /// <summary>
    /// Waits until a call to <paramref name="api"/> is allowed. Dispose the slot when the answer has arrived
    /// (or the call failed); until then it counts as a call that DingTalk may be seeing right now.
    /// </summary>
    public async Task<Slot> AcquireAsync(string api, CancellationToken ct)
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
                Task wait;
                lock (lane)
                {
                    var now = clock.GetUtcNow();
                    while (lane.Ended.Count > 0 && lane.Ended.Peek() + Window <= now) lane.Ended.Dequeue();
                    if (lane.InFlight + lane.Ended.Count < CallsPerWindow)
                    {
                        lane.InFlight++;
                        return new Slot(this, lane);
                    }
                    // Every slot taken: the next one frees when the oldest finished call leaves the window;
                    // if all are still in flight, first wait for one of them to finish.
                    wait = lane.Ended.Count > 0
                        ? Task.Delay(lane.Ended.Peek() + Window - now, clock, ct)
                        : lane.Finished.Task.WaitAsync(ct);
                }
                await wait;
            }
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    private void Finish(Lane lane)
    {
        TaskCompletionSource finished;
        lock (lane)
        {
            lane.InFlight--;
            lane.Ended.Enqueue(clock.GetUtcNow());
            finished = lane.Finished;
            lane.Finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        finished.SetResult();
    }

    /// <summary>One allowed call; disposing it marks the call finished (once).</summary>
    public sealed class Slot : IDisposable
    {
        private ApiRateLimiter? _owner;
        private readonly Lane _lane;

        internal Slot(ApiRateLimiter owner, Lane lane) => (_owner, _lane) = (owner, lane);

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Finish(_lane);
    }

    internal sealed class Lane(int capacity)
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public int InFlight;
        public Queue<DateTimeOffset> Ended { get; } = new(capacity);
        public TaskCompletionSource Finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
