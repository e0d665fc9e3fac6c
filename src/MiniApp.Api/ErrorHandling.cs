using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.MiniApp.Api;

/// <summary>
/// Every error the mini-app reads is a ProblemDetails whose <c>title</c> is a Chinese sentence for
/// people and whose <c>code</c> is stable for the program (e.g. <c>clue.conflict</c>).
/// </summary>
public static class Problems
{
    public static IResult Of(int status, string code, string message, IDictionary<string, object?>? extra = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (extra is not null)
            foreach (var (k, v) in extra) extensions[k] = v;
        return TypedResults.Problem(title: message, statusCode: status, extensions: extensions);
    }

    public static IResult BadRequest(string code, string message) => Of(StatusCodes.Status400BadRequest, code, message);

    public static IResult Forbidden(string message = "无权操作") => Of(StatusCodes.Status403Forbidden, "forbidden", message);

    public static IResult NotFound(string message = "未找到") => Of(StatusCodes.Status404NotFound, "not_found", message);

    /// <summary>The answer for a status the framework sets with no body (routing, method matching, parameter binding).</summary>
    public static IResult ForStatus(int status) => status switch
    {
        StatusCodes.Status404NotFound => Of(status, "request.not_found", "请求的地址不存在"),
        StatusCodes.Status405MethodNotAllowed => Of(status, "request.method_not_allowed", "不支持该请求方式"),
        StatusCodes.Status415UnsupportedMediaType => Of(status, "request.unsupported_media_type", "请求内容的格式不受支持"),
        StatusCodes.Status400BadRequest => Of(status, "request.malformed", "请求参数不正确"),
        StatusCodes.Status401Unauthorized => Of(status, "auth.required", "请先登录"),
        StatusCodes.Status403Forbidden => Of(status, "forbidden", "无权操作"),
        _ => Of(status, "request.failed", "请求未能完成，请稍后重试"),
    };

    /// <summary>Every code <see cref="ForStatus"/> can answer with (for the test that reads each title).</summary>
    public static readonly int[] FrameworkStatuses = [400, 401, 403, 404, 405, 415, 500];

    /// <summary>One mapping from a clue outcome to HTTP, shared by every clue endpoint.</summary>
    public static IResult ToHttpResult(this ActionOutcome o, Func<ActionOutcome, IResult> applied)
    {
        var extra = new Dictionary<string, object?> { ["state"] = o.State?.ToString(), ["stateZh"] = o.State?.Zh(), ["version"] = o.Version };
        return o.Kind switch
        {
            OutcomeKind.Applied => applied(o),
            OutcomeKind.NotFound => Of(StatusCodes.Status404NotFound, o.Code, o.Message),
            OutcomeKind.Forbidden => Of(StatusCodes.Status403Forbidden, o.Code, o.Message, extra),
            OutcomeKind.Invalid => Of(StatusCodes.Status400BadRequest, o.Code, o.Message),
            _ => Of(StatusCodes.Status409Conflict, o.Code, o.Message, extra),   // Conflict, Refused
        };
    }
}

/// <summary>Unexpected failures: logged, answered with a 500 that says nothing of the cause.</summary>
internal sealed partial class UnexpectedErrorHandler(ILogger<UnexpectedErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is BadHttpRequestException bad)
        {
            await Problems.Of(bad.StatusCode, "request.malformed", "请求格式不正确").ExecuteAsync(http);
            return true;
        }
        Log.Unexpected(logger, exception, http.Request.Method, http.Request.Path);
        var problem = new ProblemDetails { Status = 500, Title = "服务器内部错误，请稍后重试" };
        problem.Extensions["code"] = "server.error";
        problem.Extensions["traceId"] = http.TraceIdentifier;
        http.Response.StatusCode = 500;
        await http.Response.WriteAsJsonAsync(problem, ct);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error on {Method} {Path}")]
        public static partial void Unexpected(ILogger logger, Exception e, string method, string path);
    }
}
