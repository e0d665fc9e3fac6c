using Microsoft.Extensions.Time.Testing;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Core.Tests.DingTalk;

public sealed class ApiRateLimiterTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-29T00:00:00Z"));

    [Fact]
    public void Acquire_UpToLimitInWindow_PassesAtOnce()
    {
        var limiter = new ApiRateLimiter(_clock, 3, TimeSpan.FromSeconds(1));

        for (var i = 0; i < 3; i++)
            Assert.True(limiter.AcquireAsync("robot.send", CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Acquire_OneOverLimit_WaitsUntilOldestFinishedCallLeavesWindow()
    {
        var limiter = new ApiRateLimiter(_clock, 3, TimeSpan.FromSeconds(1));
        for (var i = 0; i < 3; i++) (await limiter.AcquireAsync("robot.send", CancellationToken.None)).Dispose();
        _clock.Advance(TimeSpan.FromMilliseconds(400));

        var fourth = limiter.AcquireAsync("robot.send", CancellationToken.None);
        _clock.Advance(TimeSpan.FromMilliseconds(599));
        var stillWaiting = !fourth.IsCompleted;
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(stillWaiting);
        Assert.True(fourth.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Acquire_CallsStillInFlight_WaitsForAnswerPlusOneWindow()
    {
        // A slow answer: DingTalk may count the call at any point until it answers, so the window starts then.
        var limiter = new ApiRateLimiter(_clock, 1, TimeSpan.FromSeconds(1));
        var slow = await limiter.AcquireAsync("robot.send", CancellationToken.None);

        var next = limiter.AcquireAsync("robot.send", CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(3));
        await Task.Delay(20);
        var waitingWhileInFlight = !next.IsCompleted;
        slow.Dispose();
        var answered = _clock.GetUtcNow();
        // Time moves on in small steps until the call may go. However late the limiter's continuation runs on a busy
        // machine, the call must not go before one whole window after the answer.
        var giveUp = DateTime.UtcNow.AddSeconds(30);
        while (!next.IsCompleted && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(5);
            _clock.Advance(TimeSpan.FromMilliseconds(10));
        }
        await next.WaitAsync(TimeSpan.FromSeconds(1));

        Assert.True(waitingWhileInFlight);
        Assert.True(_clock.GetUtcNow() - answered >= TimeSpan.FromSeconds(1), $"went {(_clock.GetUtcNow() - answered).TotalMilliseconds} ms after the answer");
    }

    [Fact]
    public async Task Slot_DisposedTwice_FinishesOnce()
    {
        var limiter = new ApiRateLimiter(_clock, 2, TimeSpan.FromSeconds(1));
        var first = await limiter.AcquireAsync("x", CancellationToken.None);
        var second = await limiter.AcquireAsync("x", CancellationToken.None);
        first.Dispose();
        first.Dispose();
        _clock.Advance(TimeSpan.FromSeconds(1));

        // One slot is free again (first aged out); the second is still in flight, so the next after that waits.
        (await limiter.AcquireAsync("x", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        var blocked = limiter.AcquireAsync("x", CancellationToken.None);
        await Task.Delay(20);
        Assert.False(blocked.IsCompleted);
        second.Dispose();
    }

    [Fact]
    public async Task Acquire_Cancelled_ThrowsAndFreesTheQueue()
    {
        var limiter = new ApiRateLimiter(_clock, 1, TimeSpan.FromSeconds(1));
        var held = await limiter.AcquireAsync("x", CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var waiting = limiter.AcquireAsync("x", cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        _clock.Advance(TimeSpan.FromSeconds(1));
        (await limiter.AcquireAsync("x", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
    }

    [Fact]
    public async Task Acquire_OtherApi_HasItsOwnBudget()
    {
        var limiter = new ApiRateLimiter(_clock, 1, TimeSpan.FromSeconds(1));
        (await limiter.AcquireAsync("robot.send", CancellationToken.None)).Dispose();

        var sameApi = limiter.AcquireAsync("robot.send", CancellationToken.None);
        var otherApi = limiter.AcquireAsync("card.update", CancellationToken.None);

        Assert.False(sameApi.IsCompleted);
        Assert.True(otherApi.IsCompletedSuccessfully);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await sameApi.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Acquire_ManyCallsInARow_NeverMoreThanLimitInAnyWindow()
    {
        var limiter = new ApiRateLimiter(_clock, 5, TimeSpan.FromSeconds(1));
        var granted = new List<DateTimeOffset>();

        for (var i = 0; i < 23; i++)
        {
            var wait = limiter.AcquireAsync("x", CancellationToken.None);
            while (!wait.IsCompleted)
            {
                _clock.Advance(TimeSpan.FromMilliseconds(250));
                // Let the timer continuation run before the clock moves again, so the grant happens at this instant.
                try { await wait.WaitAsync(TimeSpan.FromMilliseconds(100)); } catch (TimeoutException) { }
            }
            (await wait).Dispose();
            granted.Add(_clock.GetUtcNow());
        }

        var busiest = granted.Select((t, i) => granted.Skip(i).TakeWhile(u => u - t < TimeSpan.FromSeconds(1)).Count()).Max();
        Assert.Equal(5, busiest);
        Assert.Equal(TimeSpan.FromSeconds(4), granted[^1] - granted[0]);
    }
}
