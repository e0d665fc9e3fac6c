using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Tests.DingTalk;

/// <summary>The outbox dispatcher's retry delay (it sends DingTalk calls, so its pure parts are tested here).</summary>
public sealed class OutboxBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(15);

    [Theory]
    [InlineData(1, 2.5, 5)]
    [InlineData(2, 5, 10)]
    [InlineData(3, 10, 20)]
    [InlineData(6, 80, 160)]
    [InlineData(9, 450, 900)]
    [InlineData(40, 450, 900)]
    public void Backoff_Attempt_IsBetweenHalfAndAllOfCappedExponential(int attempt, double minSeconds, double maxSeconds)
    {
        Assert.Equal(minSeconds, OutboxDispatcher.Backoff(attempt, Base, Max, 0).TotalSeconds, 6);
        Assert.Equal(maxSeconds, OutboxDispatcher.Backoff(attempt, Base, Max, 1).TotalSeconds, 6);
        var mid = OutboxDispatcher.Backoff(attempt, Base, Max, 0.5).TotalSeconds;
        Assert.InRange(mid, minSeconds, maxSeconds);
    }

    [Fact]
    public void Backoff_DifferentDraws_SpreadRetries()
    {
        var a = OutboxDispatcher.Backoff(4, Base, Max, 0.1);
        var b = OutboxDispatcher.Backoff(4, Base, Max, 0.9);

        Assert.True(b - a >= TimeSpan.FromSeconds(15));
    }
}
