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
        HttpRequest request, CardCallbackService cards, CallbackVerifier verifier, IOptions<DingTalkOptions> options, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(CardCallbackEndpoints).FullName!);
        var o = options.Value;
        if (string.IsNullOrEmpty(o.CardCallbackSecret))
        {
            Log.NotConfigured(logger);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(ct);
        var check = await verifier.CardAsync(o.CardCallbackSecret,
            request.Headers["x-ddpaas-signature-timestamp"], request.Headers["x-ddpaas-signature"], body, ct);
        if (!check.IsValid)
        {
            Log.Refused(logger, check.Check);
            return Results.Unauthorized();
        }
        if (check.EarlierReply is { } earlier) return Results.Text(earlier, "application/json; charset=utf-8");
        var click = CardCallback.Parse(body);
        if (click is null)
        {
            Log.Malformed(logger);
            return Results.BadRequest();
        }
        var reply = JsonSerializer.Serialize(await cards.HandleAsync(click, ct), ReplyJson);
        await verifier.RememberAsync(check.ReplayKey!, reply, ct);
        return Results.Text(reply, "application/json; charset=utf-8");
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
