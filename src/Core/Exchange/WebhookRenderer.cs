using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MySqlConnector;
using SchoolSafety.Core.Grid;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Exchange;

/// <summary>The outbox topics of the data exchange.</summary>
public static class ExchangeTopics
{
    /// <summary>Something happened to a clue (every action): fanned out into one <see cref="Webhook"/> row per matching webhook. Payload: <see cref="ClueEventPayload"/>.</summary>
    public const string ClueEvent = "exchange.clue_event";

    /// <summary>One delivery to one webhook, retried with the outbox's back-off. Payload: <see cref="WebhookPayload"/>.</summary>
    public const string Webhook = "exchange.webhook";
}

public sealed record ClueEventPayload(long ClueId, int Version, string Kind);

public sealed record WebhookPayload(long WebhookId, string EventId, long ClueId, int Version, string Kind, DateTime OccurredAt);

/// <summary>
/// Fans a clue event out to the webhooks of the clue's line that want its kind: one outbox row each, so each is retried
/// on its own. The event id is this row's id (<c>evt-&lt;n&gt;</c>), the same on every retry.
/// </summary>
public sealed class ClueEventRenderer(MySqlDataSource db, ExchangeStore store, OutboxStore outbox, TimeProvider clock) : IOutboxTopicRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => ExchangeTopics.ClueEvent;

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<ClueEventPayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty clue event");
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await store.ClueByIdAsync(conn, p.ClueId, ct) is not { } clue) return new OutboxDelivery.Nothing("the clue is gone");
        var hooks = (await store.ActiveWebhooksAsync(conn, clue.LineCode, ct)).Where(h => h.Wants(p.Kind)).ToList();
        if (hooks.Count == 0) return new OutboxDelivery.Nothing("no webhook wants it");
        var eventId = $"evt-{message.Id.ToString(CultureInfo.InvariantCulture)}";
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = hooks.Select(h => new OutboxMessage(ExchangeTopics.Webhook, null, new WebhookPayload(h.Id, eventId, p.ClueId, p.Version, p.Kind, now))).ToList();
        return new OutboxDelivery.External("webhook fan-out", async sendCt =>
        {
            await using var c = await db.OpenConnectionAsync(sendCt);
            await using var tx = await c.BeginTransactionAsync(sendCt);
            await outbox.EnqueueAsync(c, tx, rows, sendCt);
            await tx.CommitAsync(sendCt);
        });
    }
}

/// <summary>
/// Delivers one event to one webhook: POST JSON signed like the four platforms' pushes (docs/four-platforms.md,
/// "Webhooks"), with <c>X-Xiaoan-Event-Id</c> so the receiver can drop a repeat. A 2xx answer is a delivery; anything
/// else is retried with the outbox's back-off. Every attempt is logged (<c>exchange_webhook_attempts</c>).
/// </summary>
public sealed class WebhookRenderer(MySqlDataSource db, ExchangeStore store, IHttpClientFactory clients, TimeProvider clock) : IOutboxTopicRenderer
{
    public const string HttpClientName = "exchange-webhooks";
    public const string EventIdHeader = "X-Xiaoan-Event-Id";
    public const string TimestampHeader = "X-Xiaoan-Timestamp";
    public const string SignatureHeader = "X-Xiaoan-Signature";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => ExchangeTopics.Webhook;

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<WebhookPayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty webhook payload");
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await store.WebhookAsync(conn, p.WebhookId, ct) is not { DisabledAt: null } hook) return new OutboxDelivery.Nothing("the webhook is disabled");
        if (await store.ClueByIdAsync(conn, p.ClueId, ct) is not { } clue) return new OutboxDelivery.Nothing("the clue is gone");
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            eventId = p.EventId, kind = p.Kind, occurredAt = GridDocument.China(p.OccurredAt), version = p.Version, clue = ExchangeJson.Clue(clue),
        }, Json);
        return new OutboxDelivery.External(hook.Url, async sendCt =>
        {
            var ts = GridSignature.Timestamp(clock.GetUtcNow());
            using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.TryAddWithoutValidation(EventIdHeader, p.EventId);
            request.Headers.TryAddWithoutValidation(TimestampHeader, ts);
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(hook.Secret, ts, p.EventId, body));
            var watch = Stopwatch.StartNew();
            int? status = null;
            string? error = null;
            try
            {
                using var response = await clients.CreateClient(HttpClientName).SendAsync(request, sendCt);
                status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode) error = $"HTTP {status}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !sendCt.IsCancellationRequested)
            {
                error = e is TaskCanceledException ? "timeout" : $"http: {((HttpRequestException)e).HttpRequestError}";
            }
            await using (var c = await db.OpenConnectionAsync(CancellationToken.None))
                await store.RecordAttemptAsync(c, hook.Id, p.EventId, message.Attempt, status, error, (int)watch.ElapsedMilliseconds, CancellationToken.None);
            if (error is not null) throw new OutboxDeliveryException($"webhook {hook.Id}: {error}");
        });
    }

    /// <summary>Lower-case hex HMAC-SHA256(secret, timestamp + "\n" + eventId + "\n" + body).</summary>
    public static string Sign(string secret, string timestamp, string eventId, ReadOnlySpan<byte> body)
    {
        var head = Encoding.UTF8.GetBytes($"{timestamp}\n{eventId}\n");
        var message = new byte[head.Length + body.Length];
        head.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(head.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }
}
