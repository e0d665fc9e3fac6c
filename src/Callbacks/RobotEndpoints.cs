using System.Text.Json;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Chatbot;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Callbacks;

/// <summary><c>POST /dingtalk/robot</c>: robot messages in HTTP mode (facts §5.5), answered in the response body.</summary>
public static partial class RobotEndpoints
{
    public static IEndpointRouteBuilder MapRobot(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dingtalk/robot", HandleAsync).WithName("RobotMessage");
        return app;
    }

    public static async Task<IResult> HandleAsync(
        HttpRequest request, ChatbotService chatbot, CallbackVerifier verifier, IOptions<DingTalkOptions> options, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(RobotEndpoints).FullName!);
        if (string.IsNullOrEmpty(options.Value.AppSecret))
        {
            Log.NotConfigured(logger);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(ct);
        var check = await verifier.RobotAsync(options.Value.AppSecret, request.Headers["timestamp"], request.Headers["sign"], body, ct);
        if (!check.IsValid)
        {
            Log.Refused(logger, check.Check);
            return Results.Unauthorized();
        }
        if (check.EarlierReply is { } earlier) return Json(earlier);
        if (RobotMessageCallback.Parse(body) is not { } parsed)
            return Results.BadRequest();
        // The same message again (DingTalk retries a late answer with a new signature): the answer given the first time.
        string? messageKey = null;
        if (!string.IsNullOrEmpty(parsed.MsgId))
        {
            var seen = await verifier.MessageOnceAsync(parsed.MsgId, ct);
            if (seen is { State: not ReplayState.New, Reply: { } first }) return Json(first);
            messageKey = CallbackVerifier.MessageKey(parsed.MsgId);
        }
        var reply = JsonSerializer.Serialize(RobotMarkdownReply.Of(await chatbot.ReplyAsync(parsed.Message, ct)), CardCallbackEndpoints.ReplyJson);
        await verifier.RememberAsync(check.ReplayKey!, reply, ct);
        if (messageKey is not null) await verifier.RememberAsync(messageKey, reply, ct);
        return Json(reply);
    }

    private static IResult Json(string json) => Results.Text(json, "application/json; charset=utf-8");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Robot message refused: {Check}")]
        public static partial void Refused(ILogger logger, CallbackCheck check);

        [LoggerMessage(2, LogLevel.Error, "Robot message refused: DingTalk:AppSecret is not configured")]
        public static partial void NotConfigured(ILogger logger);
    }
}
