using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SchoolSafety.IntegrationTests.Stream;

/// <summary>
/// DingTalk's Stream gateway inside the test: <c>POST /v1.0/gateway/connections/open</c> hands out a one-use ticket and a
/// <c>ws://</c> endpoint; each accepted WebSocket is given to the test, which sends frames and reads the ACKs.
/// </summary>
public sealed class FakeStreamGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<Connection> _connections = Channel.CreateUnbounded<Connection>();
    private int _tickets;

    public List<JsonElement> OpenRequests { get; } = [];

    /// <summary>How many of the next open requests to answer 503 (a gateway having a bad minute).</summary>
    public int FailNextOpens;
    public string Url { get; private set; } = "";

    public sealed record Connection(WebSocket Socket, string Ticket, TaskCompletionSource Done);

    public FakeStreamGateway()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.UseWebSockets();
        _app.MapPost("/v1.0/gateway/connections/open", async (HttpRequest request) =>
        {
            var body = await JsonDocument.ParseAsync(request.Body);
            // As the Node SDK notes of the real gateway: without Accept: application/json the answer is not JSON.
            if (!request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase))
                return Results.Text("<xml><endpoint>none</endpoint></xml>", "application/xml");
            if (Interlocked.Decrement(ref FailNextOpens) >= 0) return Results.StatusCode(503);
            lock (OpenRequests) OpenRequests.Add(body.RootElement.Clone());
            var ticket = $"ticket-{Interlocked.Increment(ref _tickets)}";
            return Results.Json(new { endpoint = Url.Replace("http://", "ws://") + "/connect", ticket });
        });
        _app.Map("/connect", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest) { context.Response.StatusCode = 400; return; }
            var socket = await context.WebSockets.AcceptWebSocketAsync();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _connections.Writer.WriteAsync(new Connection(socket, context.Request.Query["ticket"].ToString(), done));
            await done.Task;   // the test owns the socket until it says so
        });
    }

    public async Task StartAsync()
    {
        await _app.StartAsync();
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task<Connection> NextConnectionAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _connections.Reader.ReadAsync(cts.Token);
    }

    public static async Task SendAsync(Connection c, object frame) =>
        await c.Socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

    public static async Task<JsonElement> ReceiveAsync(Connection c, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        using var ms = new MemoryStream();
        WebSocketReceiveResult r;
        do
        {
            r = await c.Socket.ReceiveAsync(buffer, cts.Token);
            ms.Write(buffer, 0, r.Count);
        } while (!r.EndOfMessage);
        return JsonDocument.Parse(Encoding.UTF8.GetString(ms.ToArray())).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
