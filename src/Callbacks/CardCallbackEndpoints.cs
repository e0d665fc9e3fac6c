using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Callbacks;

/// <summary><c>POST /dingtalk/cards</c>: card button clicks (facts §4.4), answered with the card's new data (§4.5).</summary>
public static partial class CardCallbackEndpoints
{
    internal static readonly JsonSerializerOptions ReplyJson = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointRouteBuilder MapCardCallbacks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dingtalk/cards", HandleAsync).WithName("CardCallback");
        return app;
    }

    public static async Task<IResult> HandleAsync(
        HttpRequest request, CardCallbackService cards, IOptions<DingTalkOptions> options, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(CardCallbackEndpoints).FullName!);
        var o = options.Value;
        if (string.IsNullOrEmpty(o.CardCallbackSecret))
        {
            Log.NotConfigured(logger);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        var check = DingTalkCallbackCrypto.VerifyCardCallback(o.CardCallbackSecret,
            request.Headers["x-ddpaas-signature-timestamp"], request.Headers["x-ddpaas-signature"], clock.GetUtcNow(), o.CallbackTimestampWindow);
        if (check != CallbackCheck.Valid)
        {
            Log.Refused(logger, check);
            return Results.Unauthorized();
        }
        using var reader = new StreamReader(request.Body);
        var click = CardCallback.Parse(await reader.ReadToEndAsync(ct));
        if (click is null)
        {
            Log.Malformed(logger);
            return Results.BadRequest();
        }
        return Results.Json(await cards.HandleAsync(click, ct), ReplyJson);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Card callback refused: {Check}")]
        public static partial void Refused(ILogger logger, CallbackCheck check);

        [LoggerMessage(2, LogLevel.Warning, "Card callback refused: the body is not a card callback")]
        public static partial void Malformed(ILogger logger);

        [LoggerMessage(3, LogLevel.Error, "Card callback refused: DingTalk:CardCallbackSecret is not configured")]
        public static partial void NotConfigured(ILogger logger);
    }
}
