namespace SchoolSafety.Core.Photos;

/// <summary>
/// The one gate every photo decode passes, whatever the format (a turned JPEG or PNG, a HEIC, a thumbnail): at most
/// <see cref="Limit"/> at a time, each bounded to <see cref="PhotoProcessor.MaxPixels"/>, so a burst of uploads costs at
/// most Limit × 200 MB. Waiting is asynchronous (no thread is held) and ends with the request's cancellation.
/// </summary>
public static class PhotoDecoders
{
    public const int Limit = 2;
    private static readonly SemaphoreSlim Gate = new(Limit, Limit);
    private static int _inUse;
    private static int _mostAtOnce;

    /// <summary>The most decodes seen running at once since <see cref="ResetMostAtOnce"/> (for tests and benchmarks).</summary>
    public static int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    public static void ResetMostAtOnce() => Volatile.Write(ref _mostAtOnce, Volatile.Read(ref _inUse));

    /// <summary>Waits for a turn; dispose the result to give it back.</summary>
    public static async ValueTask<IDisposable> EnterAsync(CancellationToken ct)
    {
        await Gate.WaitAsync(ct).ConfigureAwait(false);
        var now = Interlocked.Increment(ref _inUse);
        int most;
        while (now > (most = Volatile.Read(ref _mostAtOnce)) && Interlocked.CompareExchange(ref _mostAtOnce, now, most) != most) { }
        return new Turn();
    }

    private sealed class Turn : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            Interlocked.Decrement(ref _inUse);
            Gate.Release();
        }
    }
}
