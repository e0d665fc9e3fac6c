using System.Text;
using System.Text.Json.Nodes;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>
/// <c>/dev/dingtalk</c>, the DingTalk simulator (Development only, never mapped elsewhere): the page, its JSON API (people,
/// one person's view, a press, a message, a digest or a reminder run now), the robot's session webhook, and DingTalk's Stream
/// gateway (<c>v1.0/gateway/connections/open</c> and the WebSocket at <c>connect</c>) with its controls.
/// </summary>
public static class DingTalkSimulatorEndpoints
{
    public const string Prefix = "/dev/dingtalk";

    public sealed record ClickRequest(string? As, string? Chat, string? OutTrackId, string? ButtonId, Dictionary<string, string>? Inputs);

    public sealed record MessageRequest(string? As, string? Chat, string? Text);

    public sealed record DigestRequest(string? ChatId);

    public sealed record EventRequest(string? EventType, JsonObject? Data);

    public static IServiceCollection AddDingTalkSimulator(this IServiceCollection services)
    {
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.Section);
        services.AddSingleton<DingTalkSimulator>();
        services.AddSingleton<StreamGatewaySimulator>();
        services.AddSingleton<CardTemplateLibrary>();
        services.AddSingleton<SimulatorDesk>();
        services.AddHttpClient(SimulatorDesk.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15));
        return services;
    }

    public static WebApplication MapDingTalkSimulator(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment()) return app;
        app.UseWebSockets();
        var sim = app.MapGroup(Prefix).ExcludeFromDescription();
        sim.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
        sim.MapGet("/api/people", async (SimulatorDesk desk, CancellationToken ct) => Results.Json(await desk.PeopleAsync(ct)));
        sim.MapGet("/api/view", async (string? @as, long? since, SimulatorDesk desk, DingTalkSimulator world, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(@as)) return Results.Json(new { message = "请选择一位人员" }, statusCode: 400);
            world.Refresh();
            if (since is { } v && v == world.Version) return Results.StatusCode(StatusCodes.Status304NotModified);
            return await desk.ViewAsync(@as, ct) is { } view ? Results.Json(view) : Results.Json(new { message = "没有此人或已停用" }, statusCode: 404);
        });
        sim.MapPost("/api/click", async (ClickRequest r, HttpRequest request, SimulatorDesk desk, CancellationToken ct) =>
            r.As is null || r.Chat is null || r.OutTrackId is null || r.ButtonId is null
                ? Results.Json(new { message = "缺少 as、chat、outTrackId 或 buttonId" }, statusCode: 400)
                : Answer(await desk.ClickAsync(r.As, r.Chat, r.OutTrackId, r.ButtonId, r.Inputs, CallbacksUrl(request), ct)));
        sim.MapPost("/api/message", async (MessageRequest r, HttpRequest request, SimulatorDesk desk, CancellationToken ct) =>
            r.As is null || r.Chat is null || string.IsNullOrWhiteSpace(r.Text)
                ? Results.Json(new { message = "请输入消息" }, statusCode: 400)
                : Answer(await desk.SendAsync(r.As, r.Chat, r.Text.Trim(), CallbacksUrl(request), ct)));
        sim.MapPost("/api/digest", async (DigestRequest r, SimulatorDesk desk, CancellationToken ct) =>
            string.IsNullOrWhiteSpace(r.ChatId) ? Results.Json(new { message = "请选择群" }, statusCode: 400) : Answer(await desk.DigestAsync(r.ChatId, ct)));
        sim.MapPost("/api/reminders", async (SimulatorDesk desk, CancellationToken ct) => Answer(await desk.RemindAsync(ct)));
        // The robot's sessionWebhook (facts §3.6): a reply posted there shows in the chat it names.
        sim.MapPost("/session/{chat}", async (string chat, HttpRequest request, DingTalkSimulator world, CancellationToken ct) =>
        {
            world.AddRobotReply(Uri.UnescapeDataString(chat), await JsonNode.ParseAsync(request.Body, cancellationToken: ct));
            return Results.Json(new { errcode = 0, errmsg = "ok" });
        });

        sim.MapPost("/v1.0/gateway/connections/open", async (HttpRequest request, StreamGatewaySimulator gateway, CancellationToken ct) =>
        {
            if (!request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase))
                return Results.Text("<xml><message>Accept: application/json required</message></xml>", "application/xml", statusCode: 400);
            JsonNode? body;
            try
            {
                body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct);
            }
            catch (System.Text.Json.JsonException)
            {
                return Results.Json(new { code = "invalidParameter", message = "请求不是 JSON" }, statusCode: 400);
            }
            var ws = (request.Scheme == "https" ? "wss://" : "ws://") + request.Host + request.PathBase + Prefix + "/connect";
            var (status, answer) = gateway.Open(body, ws);
            return Results.Json(answer, statusCode: status);
        });
        sim.Map("/connect", (HttpContext context, StreamGatewaySimulator gateway) => gateway.AcceptAsync(context));
        sim.MapGet("/api/stream", (StreamGatewaySimulator gateway) => Results.Json(new { connections = gateway.Connections, opened = gateway.Opened }));
        sim.MapPost("/api/stream/ping", async (StreamGatewaySimulator gateway, CancellationToken ct) => Results.Json(new { echoed = await gateway.PingAsync(ct) }));
        sim.MapPost("/api/stream/disconnect", async (StreamGatewaySimulator gateway, CancellationToken ct) => Results.Json(new { told = await gateway.DisconnectAsync(ct) }));
        sim.MapPost("/api/stream/event", async (EventRequest r, StreamGatewaySimulator gateway, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(r.EventType)) return Results.Json(new { message = "缺少 eventType" }, statusCode: 400);
            var ack = await gateway.EventAsync(r.EventType, (r.Data ?? []).ToJsonString(), ct);
            return ack is null ? Results.Json(new { message = "没有 Stream 连接应答" }, statusCode: 503) : Results.Json(ack);
        });
        return app;
    }

    private static IResult Answer(SimOutcome o) => Results.Json(o, statusCode: o.Status is >= 200 and < 300 ? 200 : o.Status);

    private static string CallbacksUrl(HttpRequest request)
    {
        var configured = request.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<SimulatorOptions>>().Value.CallbacksUrl;
        return string.IsNullOrWhiteSpace(configured) ? $"{request.Scheme}://{request.Host}{request.PathBase}" : configured;
    }

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(DingTalkSimulatorEndpoints).Assembly.GetManifestResourceStream("SchoolSafety.Callbacks.Simulator.dingtalk.html")
            ?? throw new InvalidOperationException("the simulator page is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });
}
