using System.Text.Json;
using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Notifications;

/// <summary>A notification to send after the transaction that caused it has committed.</summary>
/// <param name="Topic">What to send, e.g. <c>clue.card.deliver</c> (see <see cref="OutboxTopics"/>).</param>
/// <param name="OrderingKey">Rows sharing a key are sent in id order (one card's updates), or null.</param>
/// <param name="Payload">Serialised to JSON; ids only, never personal data.</param>
public sealed record OutboxMessage(string Topic, string? OrderingKey, object Payload);

/// <summary>All SQL of the outbox table.</summary>
public sealed class OutboxStore(TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string EnqueueSql = """
        INSERT INTO outbox (topic, ordering_key, payload, created_at, next_attempt_at)
        VALUES (@Topic, @OrderingKey, @Payload, @Now, @Now)
        """;

    /// <summary>Adds rows inside the caller's transaction, so they exist exactly when the change does.</summary>
    public async Task EnqueueAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<OutboxMessage> messages, CancellationToken ct)
    {
        if (messages.Count == 0) return;
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = messages.Select(m => new
        {
            m.Topic,
            m.OrderingKey,
            Payload = JsonSerializer.Serialize(m.Payload, m.Payload.GetType(), Json),
            Now = now,
        });
        await conn.ExecuteAsync(new CommandDefinition(EnqueueSql, rows, tx, cancellationToken: ct));
    }
}
