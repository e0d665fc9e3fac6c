using Microsoft.Extensions.Time.Testing;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Core.Tests.DingTalk;

public sealed class AccessTokenCacheTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-29T00:00:00Z"));
    private int _fetches;

    private Task<AccessToken> FetchAsync(CancellationToken ct) =>
        Task.FromResult(new AccessToken($"tok-{Interlocked.Increment(ref _fetches)}", _clock.GetUtcNow().AddSeconds(7200)));

    [Fact]
    public async Task Get_WithinValidity_ReusesToken()
    {
        var cache = new AccessTokenCache(_clock, TimeSpan.FromMinutes(5));

        var first = await cache.GetAsync(FetchAsync, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(100));
        var second = await cache.GetAsync(FetchAsync, CancellationToken.None);

        Assert.Equal("tok-1", first);
        Assert.Equal("tok-1", second);
        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task Get_InsideRefreshMargin_FetchesNewToken()
    {
        var cache = new AccessTokenCache(_clock, TimeSpan.FromMinutes(5));
        await cache.GetAsync(FetchAsync, CancellationToken.None);

        _clock.Advance(TimeSpan.FromSeconds(7200 - 299));

        Assert.Equal("tok-2", await cache.GetAsync(FetchAsync, CancellationToken.None));
    }

    [Fact]
    public async Task Get_ConcurrentCallersDuringRefresh_FetchOnce()
    {
        var cache = new AccessTokenCache(_clock, TimeSpan.FromMinutes(5));
        var gate = new TaskCompletionSource();
        async Task<AccessToken> SlowFetchAsync(CancellationToken ct)
        {
            await gate.Task;
            return await FetchAsync(ct);
        }

        var callers = Enumerable.Range(0, 20).Select(_ => cache.GetAsync(SlowFetchAsync, CancellationToken.None)).ToList();
        gate.SetResult();
        var tokens = await Task.WhenAll(callers);

        Assert.All(tokens, t => Assert.Equal("tok-1", t));
        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task Invalidate_CurrentToken_NextGetFetchesAgain()
    {
        var cache = new AccessTokenCache(_clock, TimeSpan.FromMinutes(5));
        var refused = await cache.GetAsync(FetchAsync, CancellationToken.None);

        cache.Invalidate(refused);

        Assert.Equal("tok-2", await cache.GetAsync(FetchAsync, CancellationToken.None));
    }

    [Fact]
    public async Task Invalidate_StaleTokenAfterRefresh_KeepsNewerToken()
    {
        var cache = new AccessTokenCache(_clock, TimeSpan.FromMinutes(5));
        var old = await cache.GetAsync(FetchAsync, CancellationToken.None);
        cache.Invalidate(old);
        var fresh = await cache.GetAsync(FetchAsync, CancellationToken.None);

        cache.Invalidate(old);

        Assert.Equal(fresh, await cache.GetAsync(FetchAsync, CancellationToken.None));
        Assert.Equal(2, _fetches);
    }
}
