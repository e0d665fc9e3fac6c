using MySqlConnector;

namespace SchoolSafety.Core.Clues;

/// <summary>
/// Hands out the day's clue numbers (<c>XA20261129-0007</c>), unique across every host. Numbers are
/// reserved from the day's counter row in blocks, each in its own short transaction, so reports never
/// queue on that row. A block is one number while reports are rare, and doubles (to 32) while they
/// come faster than one a second; a number a host reserved but never used (a restart, a failed
/// report) is skipped, so the sequence may have gaps but never repeats.
/// </summary>
public sealed class ClueNumbers(MySqlDataSource db, ClueStore store, TimeProvider clock)
{
    public const int MaxBlock = 32;
    private readonly SemaphoreSlim refill = new(1, 1);
    private readonly Lock gate = new();
    private DateOnly day;
    private int next, last, block = 1;
    private DateTimeOffset reservedAt;

    public static string Format(DateOnly day, int seq) => $"XA{day:yyyyMMdd}-{seq:D4}";

    public async Task<string> NextAsync(DateOnly forDay, CancellationToken ct)
    {
        while (true)
        {
            if (TryTake(forDay) is { } number) return number;
            await refill.WaitAsync(ct);
            try
            {
                if (TryTake(forDay) is { } taken) return taken;
                var now = clock.GetUtcNow();
                int size;
                lock (gate)
                {
                    // Used up within a second: reports are coming fast, reserve more next time.
                    block = day == forDay && now - reservedAt < TimeSpan.FromSeconds(1) ? Math.Min(block * 2, MaxBlock) : 1;
                    size = block;
                }
                var end = await store.ReserveNumbersAsync(db, forDay, size, ct);
                lock (gate)
                {
                    (day, next, last, reservedAt) = (forDay, end - size + 1, end, now);
                }
            }
            finally
            {
                refill.Release();
            }
        }
    }

    private string? TryTake(DateOnly forDay)
    {
        lock (gate)
            return day == forDay && next <= last ? Format(forDay, next++) : null;
    }
}
