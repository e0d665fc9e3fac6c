using System.Text.Json;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Inbox;

namespace SchoolSafety.Callbacks;

/// <summary>
/// <c>POST /dingtalk/events</c>: HTTP event push (facts §1). Verify and decrypt, store in the inbox, and answer the
/// encrypted "success" only once the row is committed; a repeat is answered and ignored. Processing is the worker's.
/// </summary>
public static partial class DingTalkEventEndpoints
{
    public static IEndpointRouteBuilder MapDingTalkEvents(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dingtalk/events", HandleAsync).WithName("DingTalkEvents");
        return app;
    }

    private sealed record EncryptedBody(string? Encrypt);

    public static async Task<IResult> HandleAsync(
        HttpRequest request, InboxIntake inbox, IOptions<DingTalkOptions> options, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(DingTalkEventEndpoints).FullName!);
        if (options.Value.CallbackSecrets is not { } secrets)
        {
            Log.NotConfigured(logger);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        EncryptedBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<EncryptedBody>(request.Body, JsonSerializerOptions.Web, ct);
        }
        catch (JsonException)
        {
            body = null;
        }
        var q = request.Query;
        var opened = DingTalkCallbackCrypto.Open(secrets,
            First(q["msg_signature"], q["signature"]), First(q["timeStamp"], q["timestamp"]), q["nonce"], body?.Encrypt,
            clock.GetUtcNow(), options.Value.CallbackTimestampWindow);
        if (!opened.IsValid)
        {
            Log.Refused(logger, opened.Check);
            return opened.Check is CallbackCheck.BadSignature or CallbackCheck.StaleTimestamp or CallbackCheck.FutureTimestamp or CallbackCheck.WrongOwner
                ? Results.Unauthorized()
                : Results.BadRequest();
        }

        var result = await inbox.AcceptAsync(opened.Message!, "http", ct);
        if (result == IntakeResult.Malformed) return Results.BadRequest();
        return Results.Json(DingTalkCallbackCrypto.SuccessReply(secrets, clock.GetUtcNow()));
    }

    private static string? First(string? a, string? b) => string.IsNullOrEmpty(a) ? b : a;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Event push refused: {Check}")]
        public static partial void Refused(ILogger logger, CallbackCheck check);

        [LoggerMessage(2, LogLevel.Error, "Event push refused: DingTalk:CallbackToken and CallbackAesKey are not configured")]
        public static partial void NotConfigured(ILogger logger);
    }
}
