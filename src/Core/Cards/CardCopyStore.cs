using System.Text.Json;
using Dapper;
using MySqlConnector;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Cards;

/// <summary>The delivered copies of clue cards: who holds a copy of which card instance.</summary>
public sealed class CardCopyStore(TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string RecordSql = """
        INSERT IGNORE INTO card_copies (clue_id, user_id, out_track_id, delivered_at) VALUES (@ClueId, @UserId, @OutTrackId, @Now)
        """;

    /// <summary>Records that these users hold (or are being sent) a copy; recording one twice changes nothing.</summary>
    public async Task RecordAsync(MySqlConnection conn, long clueId, string outTrackId, IReadOnlyList<long> userIds, CancellationToken ct)
    {
        if (userIds.Count == 0) return;
        var now = clock.GetUtcNow().UtcDateTime;
        await conn.ExecuteAsync(new CommandDefinition(RecordSql,
            userIds.Distinct().Select(u => new { ClueId = clueId, UserId = u, OutTrackId = outTrackId, Now = now }).ToList(), cancellationToken: ct));
    }

    private const string CopiesSql = "SELECT user_id AS UserId, out_track_id AS OutTrackId FROM card_copies WHERE clue_id = @ClueId ORDER BY user_id";

    public async Task<IReadOnlyList<(long UserId, string OutTrackId)>> CopiesAsync(MySqlConnection conn, long clueId, CancellationToken ct) =>
        (await conn.QueryAsync<(long, string)>(new CommandDefinition(CopiesSql, new { ClueId = clueId }, cancellationToken: ct))).AsList();

    private const string AnyOtherSql = "SELECT EXISTS (SELECT 1 FROM card_copies WHERE clue_id = @ClueId AND user_id NOT IN @UserIds)";

    /// <summary>
    /// True when someone other than these users holds (or is being sent) a copy of the clue's card: an earlier delivery made
    /// its instance. Copies of these users alone may be this very delivery's, recorded by an attempt that did not get through.
    /// </summary>
    public async Task<bool> AnyOtherAsync(MySqlConnection conn, long clueId, IReadOnlyList<long> userIds, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(AnyOtherSql, new { ClueId = clueId, UserIds = userIds }, cancellationToken: ct));

    private const string HoldsSql = "SELECT EXISTS (SELECT 1 FROM card_copies WHERE clue_id = @ClueId AND user_id = @UserId AND out_track_id = @OutTrackId)";

    /// <summary>True when this card instance of the clue was delivered to this user.</summary>
    public async Task<bool> HoldsAsync(MySqlConnection conn, long clueId, long userId, string outTrackId, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(HoldsSql, new { ClueId = clueId, UserId = userId, OutTrackId = outTrackId }, cancellationToken: ct));

    private const string PendingDeliveriesSql = """
        SELECT payload
          FROM outbox
         WHERE ordering_key = @Key AND topic = @Topic AND sent_at IS NULL AND dead_at IS NULL
         ORDER BY id
        """;

    /// <summary>Recipients of this clue's card deliveries not sent yet (a refresh shows their buttons too, since they join the same card).</summary>
    public async Task<IReadOnlyList<long>> PendingRecipientsAsync(MySqlConnection conn, long clueId, CancellationToken ct)
    {
        var payloads = await conn.QueryAsync<string>(new CommandDefinition(PendingDeliveriesSql,
            new { Key = Clues.ClueService.CardKey(clueId), Topic = OutboxTopics.CardDeliver }, cancellationToken: ct));
        return payloads.SelectMany(p => JsonSerializer.Deserialize<CardDeliverPayload>(p, Json)?.UserIds ?? []).Distinct().ToList();
    }
}
