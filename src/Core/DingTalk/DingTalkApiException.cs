namespace SchoolSafety.Core.DingTalk;

/// <summary>
/// A DingTalk API error from either family: the new API's non-2xx <c>{code, message, requestid}</c>, or the
/// legacy API's HTTP 200 with <c>errcode ≠ 0</c> (for errcode 88, <see cref="Code"/> is the <c>sub_code</c>).
/// </summary>
public sealed class DingTalkApiException(
    string code, string message, string endpoint, int httpStatus, string? requestId = null, int? legacyErrCode = null)
    : Exception($"DingTalk {endpoint} failed: {code} {message}")
{
    private static readonly HashSet<string> AuthCodes =
        ["InvalidAuthentication", "40014", "42001", "40001", "AuthenticationFailed.MissingParameter", "40000"];

    private static readonly HashSet<string> ThrottleCodes = ["90018", "90002"];

    /// <summary>New API <c>code</c>, or the legacy errcode (sub_code when errcode is 88) as a string; <c>http.NNN</c> for bodies without one.</summary>
    public string Code { get; } = code;

    /// <summary>DingTalk's message (errmsg / message / sub_msg).</summary>
    public string ApiMessage { get; } = message;

    /// <summary>Our name for the API, e.g. <c>robot.groupMessages.send</c>.</summary>
    public string Endpoint { get; } = endpoint;

    public int HttpStatus { get; } = httpStatus;

    public string? RequestId { get; } = requestId;

    public int? LegacyErrCode { get; } = legacyErrCode;

    /// <summary>The cached token was refused: drop it, fetch once more and retry once.</summary>
    public bool IsAuthError => AuthCodes.Contains(Code);

    /// <summary>A rate-limit answer (90018, 90002, the QpsLimit/QpmLimit family): back off and retry.</summary>
    public bool IsThrottled =>
        ThrottleCodes.Contains(Code) || Code.StartsWith("Forbidden.AccessDenied.Qp", StringComparison.Ordinal);

    /// <summary>Worth retrying later (outbox): throttling, DingTalk busy, server errors.</summary>
    public bool IsTransient =>
        IsThrottled || HttpStatus >= 500 || Code is "-1" or "system.busy" or "systemError" || HttpStatus == 429;
}
