using System.Security.Cryptography;
using System.Text;
using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.DingTalk;

/// <summary>What a key was seen with before: never (<see cref="New"/>), with the same body, or with another body.</summary>
public enum ReplayState
{
    New,
    SameBody,
    OtherBody,
}

/// <summary>A claim on a replay key; <see cref="Reply"/> is the answer given the first time (null while it is being made).</summary>
public sealed record ReplayClaim(ReplayState State, string? Reply = null);

/// <summary>
/// All SQL of <c>callback_replays</c>: each accepted signed header pair (and each robot message id) is kept for as long as it
/// could be valid, with the hash of its body and the answer given, so that a pair is accepted once. In the database, so that
/// every Callbacks instance behind a load balancer sees the same.
/// </summary>
public sealed class CallbackReplayStore(MySqlDataSource db, TimeProvider clock)
{
    private const string ClaimSql = """
        INSERT IGNORE INTO callback_replays (replay_key, body_hash, expires_at) VALUES (@Key, @Hash, @ExpiresAt)
        """;

    private const string SeenSql = "SELECT body_hash AS Hash, reply AS Reply FROM callback_replays WHERE replay_key = @Key";

    private const string SaveSql = "UPDATE callback_replays SET reply = @Reply WHERE replay_key = @Key";

    private const string ExpireSql = "DELETE FROM callback_replays WHERE expires_at < @Now ORDER BY expires_at LIMIT 200";

    public static byte[] Hash(string body) => SHA256.HashData(Encoding.UTF8.GetBytes(body));

    /// <summary>Claims <paramref name="key"/> for this body for <paramref name="keep"/>; what it was seen with before otherwise.</summary>
    public async Task<ReplayClaim> ClaimAsync(string key, byte[] bodyHash, TimeSpan keep, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(ClaimSql, new { Key = key, Hash = bodyHash, ExpiresAt = now + keep }, cancellationToken: ct)) == 1)
        {
            await conn.ExecuteAsync(new CommandDefinition(ExpireSql, new { Now = now }, cancellationToken: ct));
            return new ReplayClaim(ReplayState.New);
        }
        var seen = await conn.QuerySingleOrDefaultAsync<(byte[] Hash, string? Reply)>(new CommandDefinition(SeenSql, new { Key = key }, cancellationToken: ct));
        if (seen.Hash is null) return await ClaimAsync(key, bodyHash, keep, ct);   // expired between the two statements
        return CryptographicOperations.FixedTimeEquals(seen.Hash, bodyHash) ? new ReplayClaim(ReplayState.SameBody, seen.Reply) : new ReplayClaim(ReplayState.OtherBody);
    }

    /// <summary>Keeps the answer given under <paramref name="key"/>, to give it again to the same request.</summary>
    public async Task SaveReplyAsync(string key, string reply, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(SaveSql, new { Key = key, Reply = reply }, cancellationToken: ct));
    }
}
