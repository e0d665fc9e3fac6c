namespace SchoolSafety.Bench.Chaos;

/// <summary>The six kinds of crash trial and their default trial counts (the 200 for kinds 1, 2 and 4).</summary>
public static class ChaosKinds
{
    public static readonly int[] All = [1, 2, 3, 4, 5, 6];

    /// <summary>The default count of a kind, times <paramref name="scale"/> when given (the smoke tests run a few).</summary>
    public static int Trials(int kind, double? scale)
    {
        var full = kind switch { 1 or 2 or 4 => 200, 3 => 10, 5 => 3, 6 => 2, _ => throw new ArgumentOutOfRangeException(nameof(kind)) };
        return scale is { } s ? Math.Max(1, (int)Math.Round(full * s)) : full;
    }

    /// <summary>Runs a kind; <paramref name="smoke"/> (the test suite's round) makes its data smaller too.</summary>
    public static Task<ChaosResult> RunAsync(int kind, string baseCs, int trials, TextWriter log, bool smoke = false) => kind switch
    {
        1 => MiniAppTrials.RunAsync(baseCs, trials, log),
        2 => CallbackTrials.RunAsync(baseCs, trials, log),
        3 => DatabaseTrials.RunAsync(trials, log),
        4 => OutboxTrials.RunAsync(baseCs, trials, log),
        5 => ClusterTrials.RunAsync(baseCs, trials, log, smoke ? 120 : 200),   // fewer and a quiet machine queues them all between two looks
        6 => OutageTrials.RunAsync(baseCs, trials, log),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), $"no kind {kind}"),
    };
}
