namespace SchoolSafety.Core.DingTalk;

/// <summary>A token and the moment DingTalk says it expires.</summary>
public sealed record AccessToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>
/// Holds the app's access token until <see cref="DingTalkOptions.TokenRefreshMargin"/> before it expires.
/// One caller refreshes while the others wait (single flight); a refused token is dropped once, by
/// whoever sees it first, so that concurrent failures cause one refetch and not many.
/// </summary>
public sealed class AccessTokenCache(TimeProvider clock, TimeSpan refreshMargin)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile AccessToken? _current;

    public async Task<string> GetAsync(Func<CancellationToken, Task<AccessToken>> fetch, CancellationToken ct)
    {
        var token = _current;
        if (IsFresh(token)) return token!.Value;
        await _refresh.WaitAsync(ct);
        try
        {
            token = _current;
            if (IsFresh(token)) return token!.Value;
            token = await fetch(ct);
            _current = token;
            return token.Value;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Drops <paramref name="refused"/> if it is still the cached token (a newer one is kept).</summary>
    public void Invalidate(string refused)
    {
        var token = _current;
        if (token is not null && token.Value == refused)
            Interlocked.CompareExchange(ref _current, null, token);
    }

    private bool IsFresh(AccessToken? token) => token is not null && clock.GetUtcNow() < token.ExpiresAt - refreshMargin;
}
