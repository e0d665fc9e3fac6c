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
        HttpRequest request, ChatbotService chatbot, IOptions<DingTalkOptions> options, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(RobotEndpoints).FullName!);
        if (string.IsNullOrEmpty(options.Value.AppSecret))
        {
            Log.NotConfigured(logger);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        var check = DingTalkCallbackCrypto.VerifyRobotCallback(options.Value.AppSecret,
            request.Headers["timestamp"], request.Headers["sign"], clock.GetUtcNow(), options.Value.CallbackTimestampWindow);
        if (check != CallbackCheck.Valid)
        {
            Log.Refused(logger, check);
            return Results.Unauthorized();
        }
        using var reader = new StreamReader(request.Body);
        if (RobotMessageCallback.Parse(await reader.ReadToEndAsync(ct)) is not { } parsed)
            return Results.BadRequest();
        var reply = await chatbot.ReplyAsync(parsed.Message, ct);
        return Results.Json(RobotMarkdownReply.Of(reply), CardCallbackEndpoints.ReplyJson);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Robot message refused: {Check}")]
        public static partial void Refused(ILogger logger, CallbackCheck check);

        [LoggerMessage(2, LogLevel.Error, "Robot message refused: DingTalk:AppSecret is not configured")]
        public static partial void NotConfigured(ILogger logger);
    }
}
