using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Organisation;

/// <summary>What came of presenting a refresh token.</summary>
public enum RefreshCheck
{
    Rotated,
    /// <summary>Unknown, ended or expired.</summary>
    Invalid,
    /// <summary>An earlier refresh token of a live login came back: someone holds a copy. The login is ended.</summary>
    Reused,
}

/// <summary>
/// All SQL of <c>login_sessions</c>: one row per login, naming the single refresh token that may be used next. Using it
/// rotates it; using any older one ends the login (reuse detection); logging out ends it. Access tokens name their login
/// (sid) and are refused once it has ended or its person is deactivated.
/// </summary>
public sealed class LoginSessionStore(MySqlDataSource db, TimeProvider clock)
{
    private const string StartSql = """
        INSERT INTO login_sessions (id, user_id, refresh_jti, created_at, expires_at) VALUES (@Id, @UserId, @Jti, @Now, @ExpiresAt)
        """;

    public async Task StartAsync(string sessionId, long userId, string refreshJti, DateTime expiresAt, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(StartSql,
            new { Id = sessionId, UserId = userId, Jti = refreshJti, Now = clock.GetUtcNow().UtcDateTime, ExpiresAt = expiresAt }, cancellationToken: ct));
    }

    private const string RotateSql = """
        UPDATE login_sessions SET refresh_jti = @Next, expires_at = @ExpiresAt
         WHERE id = @Id AND user_id = @UserId AND refresh_jti = @Jti AND ended_at IS NULL AND expires_at > @Now
        """;

    private const string LiveSql = "SELECT COUNT(*) FROM login_sessions WHERE id = @Id AND user_id = @UserId AND ended_at IS NULL AND expires_at > @Now";

    private const string EndSql = "UPDATE login_sessions SET ended_at = @Now, ended_reason = @Reason WHERE id = @Id AND user_id = @UserId AND ended_at IS NULL";

    /// <summary>Swaps the presented refresh token (<paramref name="jti"/>) for <paramref name="nextJti"/>; an older token ends the login.</summary>
    public async Task<RefreshCheck> RotateAsync(string sessionId, long userId, string jti, string nextJti, DateTime expiresAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        var args = new { Id = sessionId, UserId = userId, Jti = jti, Next = nextJti, ExpiresAt = expiresAt, Now = now, Reason = "reuse" };
        if (await conn.ExecuteAsync(new CommandDefinition(RotateSql, args, cancellationToken: ct)) == 1) return RefreshCheck.Rotated;
        if (await conn.ExecuteScalarAsync<long>(new CommandDefinition(LiveSql, args, cancellationToken: ct)) == 0) return RefreshCheck.Invalid;
        await conn.ExecuteAsync(new CommandDefinition(EndSql, args, cancellationToken: ct));
        return RefreshCheck.Reused;
    }

    /// <summary>Logout: the login ends, its access and refresh tokens with it.</summary>
    public async Task EndAsync(string sessionId, long userId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(EndSql, new { Id = sessionId, UserId = userId, Now = clock.GetUtcNow().UtcDateTime, Reason = "logout" }, cancellationToken: ct));
    }

    private const string ValidSql = """
        SELECT EXISTS (SELECT 1 FROM login_sessions s JOIN users u ON u.id = s.user_id
                        WHERE s.id = @Id AND s.user_id = @UserId AND s.ended_at IS NULL AND u.active = 1)
        """;

    /// <summary>Whether an access token of this login still counts: the login is live and its person active.</summary>
    public async Task<bool> IsLiveAsync(string sessionId, long userId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(ValidSql, new { Id = sessionId, UserId = userId }, cancellationToken: ct));
    }
}
