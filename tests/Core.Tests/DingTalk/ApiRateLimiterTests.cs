using Microsoft.Extensions.Time.Testing;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Core.Tests.DingTalk;

public sealed class ApiRateLimiterTests
{
    [Fact]
    public async Task Wait_UpToLimitInWindow_PassesAtOnce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T00:00:00Z"));
        var limiter = new ApiRateLimiter(clock, 3, TimeSpan.FromSeconds(1));

        for (var i = 0; i < 3; i++)
            Assert.True(limiter.WaitAsync("robot.send", CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Wait_OneOverLimit_WaitsUntilOldestCallLeavesWindow()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T00:00:00Z"));
        var limiter = new ApiRateLimiter(clock, 3, TimeSpan.FromSeconds(1));
        for (var i = 0; i < 3; i++) await limiter.WaitAsync("robot.send", CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(400));

        var fourth = limiter.WaitAsync("robot.send", CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(599));
        var stillWaiting = !fourth.IsCompleted;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(stillWaiting);
        Assert.True(fourth.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Wait_OtherApi_HasItsOwnBudget()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T00:00:00Z"));
        var limiter = new ApiRateLimiter(clock, 1, TimeSpan.FromSeconds(1));
        await limiter.WaitAsync("robot.send", CancellationToken.None);

        var sameApi = limiter.WaitAsync("robot.send", CancellationToken.None);
        var otherApi = limiter.WaitAsync("card.update", CancellationToken.None);

        Assert.False(sameApi.IsCompleted);
        Assert.True(otherApi.IsCompletedSuccessfully);
        clock.Advance(TimeSpan.FromSeconds(1));
        await sameApi.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Wait_ManyCallsInARow_NeverMoreThanLimitInAnyWindow()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T00:00:00Z"));
        var limiter = new ApiRateLimiter(clock, 5, TimeSpan.FromSeconds(1));
        var granted = new List<DateTimeOffset>();

        for (var i = 0; i < 23; i++)
        {
            var wait = limiter.WaitAsync("x", CancellationToken.None);
            while (!wait.IsCompleted)
            {
                clock.Advance(TimeSpan.FromMilliseconds(250));
                // Let the timer continuation run before the clock moves again, so the grant happens at this instant.
                try { await wait.WaitAsync(TimeSpan.FromMilliseconds(100)); } catch (TimeoutException) { }
            }
            granted.Add(clock.GetUtcNow());
        }

        var busiest = granted.Select((t, i) => granted.Skip(i).TakeWhile(u => u - t < TimeSpan.FromSeconds(1)).Count()).Max();
        Assert.Equal(5, busiest);
        Assert.Equal(TimeSpan.FromSeconds(4), granted[^1] - granted[0]);
    }
}
