using System.Text;
using SchoolSafety.Core.Grid;

namespace SchoolSafety.Callbacks;

/// <summary>
/// <c>POST /four-platforms/pushes</c>: progress and results from the four platforms (docs/four-platforms.md). Signed with
/// HMAC-SHA256 over timestamp and body; a stale timestamp, a bad signature or the same signed request again is refused
/// before anything is written. Answers are JSON with a stable <c>code</c>; refusals are ProblemDetails.
/// </summary>
public static partial class FourPlatformsEndpoints
{
    public const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapFourPlatforms(this IEndpointRouteBuilder app)
    {
        app.MapPost("/four-platforms/pushes", HandleAsync).WithName("FourPlatformsPush");
        return app;
    }

    public static async Task<IResult> HandleAsync(HttpRequest request, GridPushService pushes, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(FourPlatformsEndpoints).FullName!);
        if (request.ContentLength > MaxBodyBytes) return Answer(new GridPushResult(413, "push.too_large", "推送内容过大"));
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length > MaxBodyBytes) return Answer(new GridPushResult(413, "push.too_large", "推送内容过大"));
        var body = buffer.ToArray();

        var refused = await pushes.VerifyAsync(request.Headers[GridSignature.TimestampHeader], request.Headers[GridSignature.SignatureHeader], body, ct);
        if (refused is not null)
        {
            Log.Refused(logger, refused.Code);
            return Answer(refused);
        }
        var result = await pushes.HandleAsync(Encoding.UTF8.GetString(body), ct);
        Log.Handled(logger, result.Code);
        return Answer(result);
    }

    private static IResult Answer(GridPushResult r) => r.Ok
        ? Results.Json(new { code = r.Code, message = r.Message }, statusCode: r.Status)
        : Results.Problem(title: r.Message, statusCode: r.Status, extensions: new Dictionary<string, object?> { ["code"] = r.Code });

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Four platforms push refused: {Code}")]
        public static partial void Refused(ILogger logger, string code);

        [LoggerMessage(2, LogLevel.Information, "Four platforms push: {Code}")]
        public static partial void Handled(ILogger logger, string code);
    }
}
