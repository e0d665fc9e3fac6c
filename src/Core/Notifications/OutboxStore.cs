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
public sealed partial class OutboxStore(TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string EnqueueSql = """
        INSERT INTO outbox (topic, ordering_key, payload, created_at, next_attempt_at)
        VALUES
        """;

    /// <summary>
    /// The INSERT of <paramref name="messages"/> for a batch that has just inserted the clue they are about, whose
    /// id only the server knows yet, as the SQL expression <paramref name="idExpression"/>: each payload's <c>clueId</c>
    /// and each <c>{id}</c> in an ordering key are filled in from it. Adds its parameters to <paramref name="args"/>.
    /// </summary>
    public string EnqueueSqlForNewClue(IReadOnlyList<OutboxMessage> messages, DynamicParameters args, string idExpression) =>
        InsertSql(messages, args, (key, payload) =>
            ($"REPLACE({key}, '{{id}}', {idExpression})", $"JSON_SET({payload}, '$.clueId', {idExpression})"));

    /// <summary>Adds rows inside the caller's transaction, so they exist exactly when the change does (one statement, one round trip).</summary>
    public async Task EnqueueAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<OutboxMessage> messages, CancellationToken ct)
    {
        if (messages.Count == 0) return;
        var args = new DynamicParameters();
        var sql = InsertSql(messages, args, (key, payload) => (key, payload));
        await conn.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct));
    }

    /// <summary>One multi-row INSERT; <paramref name="columns"/> may wrap each row's key and payload parameters in SQL.</summary>
    private string InsertSql(IReadOnlyList<OutboxMessage> messages, DynamicParameters args, Func<string, string, (string Key, string Payload)> columns)
    {
        args.Add("OutboxNow", clock.GetUtcNow().UtcDateTime);
        var values = new List<string>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            args.Add($"OutboxTopic{i}", m.Topic);
            args.Add($"OutboxKey{i}", m.OrderingKey);
            args.Add($"OutboxPayload{i}", JsonSerializer.Serialize(m.Payload, m.Payload.GetType(), Json));
            var (key, payload) = columns($"@OutboxKey{i}", $"@OutboxPayload{i}");
            values.Add($"(@OutboxTopic{i}, {key}, {payload}, @OutboxNow, @OutboxNow)");
        }
        return EnqueueSql + string.Join(", ", values);
    }
}
