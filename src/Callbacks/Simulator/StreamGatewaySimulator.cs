using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>An ACK as the simulated gateway received it (facts §3.4): its code and its <c>data</c> string.</summary>
public sealed record StreamAckReceived(int Code, string? Message, string? Data);

/// <summary>One open Stream connection, as the page and the tests see it.</summary>
public sealed record StreamConnectionInfo(string ConnectionId, string ClientId, DateTimeOffset OpenedAt, IReadOnlyList<string> Subscriptions);

/// <summary>
/// DingTalk's Stream gateway played locally (facts §3, §11; Development only): <c>connections/open</c> hands out a ticket
/// (valid 90 s, one connection), the WebSocket opened with it receives CALLBACK, EVENT and SYSTEM frames whose
/// <c>data</c> is a JSON string, and each ACK is matched to its frame by <c>messageId</c>. An EVENT not ACKed SUCCESS is
/// sent again (as DingTalk does, after <see cref="EventRedelivery"/>); <c>disconnect</c> closes the socket after
/// <see cref="DisconnectGrace"/> (10 s at DingTalk). Held in memory.
/// </summary>
public sealed class StreamGatewaySimulator(TimeProvider clock, ILogger<StreamGatewaySimulator> logger)
{
    public static readonly TimeSpan TicketLifetime = TimeSpan.FromSeconds(90);
    private readonly ConcurrentDictionary<string, Ticket> _tickets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    private int _sequence;

    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan EventRedelivery { get; set; } = TimeSpan.FromSeconds(60);
    public int EventAttempts { get; set; } = 3;
    public TimeSpan DisconnectGrace { get; set; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<StreamConnectionInfo> Connections =>
        _connections.Values.OrderBy(c => c.OpenedAt).Select(c => new StreamConnectionInfo(c.Id, c.ClientId, c.OpenedAt, c.Subscriptions)).ToList();

    /// <summary>Connections opened since start (a reconnect after <c>disconnect</c> adds one).</summary>
    public int Opened => Volatile.Read(ref _opened);
    private int _opened;

    private sealed record Ticket(string ClientId, IReadOnlyList<string> Subscriptions, DateTimeOffset ExpiresAt);

    private sealed class Connection(string id, string clientId, IReadOnlyList<string> subscriptions, WebSocket socket, DateTimeOffset openedAt)
    {
        public string Id { get; } = id;
        public string ClientId { get; } = clientId;
        public IReadOnlyList<string> Subscriptions { get; } = subscriptions;
        public WebSocket Socket { get; } = socket;
        public DateTimeOffset OpenedAt { get; } = openedAt;
        public SemaphoreSlim SendGate { get; } = new(1, 1);
        public ConcurrentDictionary<string, TaskCompletionSource<StreamAckReceived>> Pending { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// <c>POST /v1.0/gateway/connections/open</c>: (status, answer). Needs clientId, clientSecret and subscriptions (EVENT
    /// only with topic <c>*</c>); the endpoint is this host's WebSocket address.
    /// </summary>
    public (int Status, object Answer) Open(JsonNode? body, string wsEndpoint)
    {
        var clientId = body?["clientId"]?.GetValue<string>();
        var secret = body?["clientSecret"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(clientId) || string.IsNullOrWhiteSpace(secret))
            return (400, new { code = "invalidParameter.clientId", message = "缺少 clientId 或 clientSecret" });
        var subscriptions = new List<string>();
        foreach (var s in body?["subscriptions"]?.AsArray() ?? [])
        {
            var type = s?["type"]?.GetValue<string>();
            var topic = s?["topic"]?.GetValue<string>();
            if (type is not ("EVENT" or "CALLBACK") || string.IsNullOrEmpty(topic) || (type == "EVENT" && topic != "*"))
                return (400, new { code = "invalidParameter.subscriptions", message = "订阅无效：EVENT 只能订阅 *，CALLBACK 需要主题" });
            subscriptions.Add($"{type} {topic}");
        }
        if (subscriptions.Count == 0) return (400, new { code = "invalidParameter.subscriptions", message = "缺少订阅" });
        var ticket = Guid.NewGuid().ToString();
        _tickets[ticket] = new Ticket(clientId, subscriptions, clock.GetUtcNow() + TicketLifetime);
        return (200, new { endpoint = wsEndpoint, ticket });
    }

    /// <summary>The WebSocket: a ticket opens one connection, then ACKs are read until the socket closes.</summary>
    public async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var key = context.Request.Query["ticket"].ToString();
        if (!_tickets.TryRemove(key, out var ticket) || ticket.ExpiresAt < clock.GetUtcNow())
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var c = new Connection($"sim-conn-{Interlocked.Increment(ref _sequence)}", ticket.ClientId, ticket.Subscriptions, socket, clock.GetUtcNow());
        _connections[c.Id] = c;
        Interlocked.Increment(ref _opened);
        try
        {
            await ReadAcksAsync(c, context.RequestAborted);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            logger.LogInformation("Simulated Stream gateway: connection {Id} ended ({Kind})", c.Id, e.GetType().Name);
        }
        finally
        {
            _connections.TryRemove(c.Id, out _);
            foreach (var p in c.Pending.Values) p.TrySetCanceled();
        }
    }

    private static async Task ReadAcksAsync(Connection c, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (c.Socket.State == WebSocketState.Open)
        {
            message.SetLength(0);
            WebSocketReceiveResult r;
            do
            {
                r = await c.Socket.ReceiveAsync(buffer, ct);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    if (c.Socket.State == WebSocketState.CloseReceived)
                        await c.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
                    return;
                }
                message.Write(buffer, 0, r.Count);
            } while (!r.EndOfMessage);
            JsonNode? ack;
            try
            {
                ack = JsonNode.Parse(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
            }
            catch (JsonException)
            {
                continue;
            }
            var id = ack?["headers"]?["messageId"]?.GetValue<string>();
            if (id is not null && c.Pending.TryRemove(id, out var waiting))
                waiting.TrySetResult(new StreamAckReceived(
                    ack?["code"]?.GetValue<int>() ?? 0, ack?["message"]?.GetValue<string>(), ack?["data"]?.GetValue<string>()));
        }
    }

    /// <summary>Whether some connection subscribed to this CALLBACK topic (else the click goes over HTTP).</summary>
    public bool Serves(string callbackTopic) => Pick("CALLBACK " + callbackTopic) is not null;

    /// <summary>A CALLBACK frame on <paramref name="topic"/> to one subscribed connection; its ACK, or null when none is connected or none answers in time.</summary>
    public Task<StreamAckReceived?> CallbackAsync(string topic, string data, CancellationToken ct) =>
        Pick("CALLBACK " + topic) is { } c ? SendAsync(c, "CALLBACK", Headers(topic, c), data, ct) : Task.FromResult<StreamAckReceived?>(null);

    /// <summary>
    /// An EVENT frame, sent again after <see cref="EventRedelivery"/> until ACKed SUCCESS (at most <see cref="EventAttempts"/>
    /// times); the last ACK (null if none came).
    /// </summary>
    public async Task<StreamAckReceived?> EventAsync(string eventType, string data, CancellationToken ct)
    {
        var eventId = Guid.NewGuid().ToString("N");
        StreamAckReceived? ack = null;
        for (var attempt = 1; attempt <= EventAttempts; attempt++)
        {
            if (Pick("EVENT *") is not { } c) return ack;
            var headers = Headers("*", c);
            headers["eventId"] = eventId;
            headers["eventType"] = eventType;
            headers["eventBornTime"] = Ms(clock.GetUtcNow());
            headers["eventCorpId"] = "ding-simulated-corp";
            headers["eventUnifiedAppId"] = c.ClientId;
            ack = await SendAsync(c, "EVENT", headers, data, ct);
            if (ack is { Code: 200, Data: { } d } && JsonNode.Parse(d)?["status"]?.GetValue<string>() == "SUCCESS") return ack;
            if (attempt < EventAttempts) await Task.Delay(EventRedelivery, clock, ct);
        }
        return ack;
    }

    /// <summary>SYSTEM <c>ping</c> to every connection: true when each echoed the opaque value.</summary>
    public async Task<bool> PingAsync(CancellationToken ct)
    {
        var all = _connections.Values.ToList();
        if (all.Count == 0) return false;
        var ok = true;
        foreach (var c in all)
        {
            var data = JsonSerializer.Serialize(new { opaque = Guid.NewGuid().ToString("N") });
            var ack = await SendAsync(c, "SYSTEM", Headers("ping", c), data, ct);
            ok &= ack is { Code: 200 } && ack.Data == data;
        }
        return ok;
    }

    /// <summary>SYSTEM <c>disconnect</c> to every connection; each socket is closed after <see cref="DisconnectGrace"/> if the client has not closed it.</summary>
    public async Task<int> DisconnectAsync(CancellationToken ct)
    {
        var all = _connections.Values.ToList();
        foreach (var c in all)
        {
            await SendFrameAsync(c, "SYSTEM", Headers("disconnect", c), JsonSerializer.Serialize(new { reason = "模拟网关计划断开" }), ct);
            _ = CloseLaterAsync(c);
        }
        return all.Count;
    }

    private async Task CloseLaterAsync(Connection c)
    {
        try
        {
            await Task.Delay(DisconnectGrace, clock);
            if (c.Socket.State == WebSocketState.Open)
                await c.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "disconnect", CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
            // already gone
        }
    }

    private Connection? Pick(string subscription)
    {
        var matching = _connections.Values.Where(c => c.Socket.State == WebSocketState.Open && c.Subscriptions.Contains(subscription)).ToList();
        // DingTalk picks one connection at random for each push (facts §3.6).
        return matching.Count == 0 ? null : matching[Random.Shared.Next(matching.Count)];
    }

    private Dictionary<string, string> Headers(string topic, Connection c) => new()
    {
        ["topic"] = topic,
        ["messageId"] = $"sim-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid().ToString("N")[..8]}",
        ["contentType"] = "application/json",
        ["time"] = Ms(clock.GetUtcNow()),
        ["appId"] = c.ClientId,
        ["connectionId"] = c.Id,
    };

    private async Task<StreamAckReceived?> SendAsync(Connection c, string type, Dictionary<string, string> headers, string data, CancellationToken ct)
    {
        var waiting = new TaskCompletionSource<StreamAckReceived>(TaskCreationOptions.RunContinuationsAsynchronously);
        c.Pending[headers["messageId"]] = waiting;
        await SendFrameAsync(c, type, headers, data, ct);
        try
        {
            return await waiting.Task.WaitAsync(AckTimeout, clock, ct);
        }
        catch (Exception e) when (e is TimeoutException or TaskCanceledException)
        {
            c.Pending.TryRemove(headers["messageId"], out _);
            return null;
        }
    }

    private static async Task SendFrameAsync(Connection c, string type, Dictionary<string, string> headers, string data, CancellationToken ct)
    {
        var frame = JsonSerializer.SerializeToUtf8Bytes(new { specVersion = "1.0", type, headers, data });
        await c.SendGate.WaitAsync(ct);
        try
        {
            await c.Socket.SendAsync(frame, WebSocketMessageType.Text, true, ct);
        }
        finally
        {
            c.SendGate.Release();
        }
    }

    private static string Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
