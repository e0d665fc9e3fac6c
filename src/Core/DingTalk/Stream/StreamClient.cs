using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.DingTalk.Stream;

/// <summary>
/// DingTalk Stream mode over <see cref="ClientWebSocket"/> (facts §3; no .NET SDK is served here): open a connection
/// for a one-use ticket, read frames, hand each to <see cref="StreamFrameHandler"/> and send its ACK; after a
/// <c>disconnect</c> or a dropped socket, open a new connection with a fresh ticket, backing off while it keeps failing.
/// Frames are handled one after another per connection, in the order they came.
/// </summary>
public sealed partial class StreamClient(
    IHttpClientFactory http,
    StreamFrameHandler handler,
    IOptions<DingTalkOptions> dingTalk,
    IOptions<StreamOptions> options,
    TimeProvider clock,
    ILogger<StreamClient> logger)
{
    public const string HttpClientName = "dingtalk-stream";

    /// <summary>The client id (and secret) sent when no credentials are configured: the local simulator's gateway takes it.</summary>
    public const string OfflineClientId = "schoolsafety-offline";

    /// <summary><c>connections/open</c> under the API base, keeping a base path (the local simulator serves it under <c>/dev/dingtalk</c>).</summary>
    public static Uri OpenUrl(string apiBaseUrl) => new(new Uri(apiBaseUrl.TrimEnd('/') + "/"), "v1.0/gateway/connections/open");
    private static readonly StreamSubscription[] Subscriptions =
    [
        new("EVENT", "*"), new("CALLBACK", StreamFrameHandler.RobotTopic), new("CALLBACK", StreamFrameHandler.CardTopic),
    ];

    /// <summary>Connections opened so far (for tests and logs).</summary>
    public int Connections => Volatile.Read(ref _connections);
    private int _connections;

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var planned = false;
            // A connection that was up counts as a success: after hours of health one drop reconnects at once (robot
            // messages pushed while we are away are not pushed again), as the official SDKs do.
            var connected = false;
            try
            {
                planned = await ConnectOnceAsync(() => connected = true, ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Anything at all (the gateway, the network, our database while handling a frame): reconnect, never stop the host.
                failures = connected ? 1 : failures + 1;
                Log.Dropped(logger, failures, e.GetType().Name, e.Message);
            }
            var o = options.Value;
            var delay = planned ? o.ReconnectMin : OutboxDispatcher.Backoff(failures, o.ReconnectMin, o.ReconnectMax, Random.Shared.NextDouble());
            try
            {
                await Task.Delay(delay, clock, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One connection until it ends; true when the gateway asked us to reconnect (<c>disconnect</c>).</summary>
    private async Task<bool> ConnectOnceAsync(Action connected, CancellationToken ct)
    {
        var (endpoint, ticket) = await OpenAsync(ct);
        using var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = options.Value.KeepAlive;
        await ws.ConnectAsync(new Uri($"{endpoint}?ticket={Uri.EscapeDataString(ticket)}"), ct);
        connected();
        var n = Interlocked.Increment(ref _connections);
        Log.Connected(logger, n);

        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (ws.State == WebSocketState.Open && !ct.IsCancellationRequested)
        {
            message.SetLength(0);
            WebSocketReceiveResult received;
            do
            {
                received = await ws.ReceiveAsync(buffer, ct);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    Log.Closed(logger, received.CloseStatus?.ToString() ?? "-");
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the gateway closed the connection");
                }
                message.Write(buffer, 0, received.Count);
            } while (!received.EndOfMessage);

            var frame = StreamFrame.Parse(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
            if (frame is null)
            {
                Log.Unreadable(logger);
                continue;
            }
            var result = await handler.HandleAsync(frame, ct);
            if (result.Ack is { } ack)
                await ws.SendAsync(JsonSerializer.SerializeToUtf8Bytes(ack), WebSocketMessageType.Text, true, ct);
            if (result.Reconnect)
            {
                try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnect", ct); }
                catch (WebSocketException) { /* the gateway may already be gone */ }
                return true;
            }
        }
        return false;
    }

    private async Task<(string Endpoint, string Ticket)> OpenAsync(CancellationToken ct)
    {
        var o = dingTalk.Value;
        // Offline (no credentials: only a Development or Testing host starts so) the local simulator's gateway is the one
        // at DingTalk:ApiBaseUrl, and it takes the offline client id.
        var (clientId, clientSecret) = o.HasCredentials ? (o.AppKey!, o.AppSecret!) : (OfflineClientId, OfflineClientId);
        using var client = http.CreateClient(HttpClientName);
        // The official SDKs (and the protocol document) send Accept: application/json; without it the gateway may answer otherwise.
        using var request = new HttpRequestMessage(HttpMethod.Post, OpenUrl(o.ApiBaseUrl))
        {
            Content = JsonContent.Create(new StreamOpenRequest(clientId, clientSecret, Subscriptions, "schoolsafety-stream-dotnet/1.0.0")),
        };
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await client.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var open = await response.Content.ReadFromJsonAsync<StreamOpenResponse>(ct);
        if (string.IsNullOrEmpty(open?.Endpoint) || string.IsNullOrEmpty(open.Ticket))
            throw new InvalidOperationException("connections/open answered without an endpoint or a ticket");
        return (open.Endpoint, open.Ticket);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Stream: connection {Count} open")]
        public static partial void Connected(ILogger logger, int count);

        [LoggerMessage(2, LogLevel.Warning, "Stream: connection lost ({Failures} in a row): {Kind} {Message}")]
        public static partial void Dropped(ILogger logger, int failures, string kind, string message);

        [LoggerMessage(3, LogLevel.Information, "Stream: the gateway closed the socket ({Status})")]
        public static partial void Closed(ILogger logger, string status);

        [LoggerMessage(4, LogLevel.Warning, "Stream: a frame that is not JSON was skipped")]
        public static partial void Unreadable(ILogger logger);
    }
}
