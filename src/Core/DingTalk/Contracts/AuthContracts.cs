using System.Text.Json.Serialization;

namespace SchoolSafety.Core.DingTalk.Contracts;

/// <summary><c>POST /v1.0/oauth2/accessToken</c> (facts §6).</summary>
public sealed record AccessTokenRequest(
    [property: JsonPropertyName("appKey")] string AppKey,
    [property: JsonPropertyName("appSecret")] string AppSecret);

public sealed record AccessTokenResponse(
    [property: JsonPropertyName("accessToken")] string AccessToken,
    [property: JsonPropertyName("expireIn")] int ExpireIn);

/// <summary>The new API's error body: <c>{code, message, requestid}</c> (requestid all lower case).</summary>
public sealed record NewApiError(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("requestid")] string? RequestId);

/// <summary>The legacy API's envelope: HTTP 200 with <c>errcode</c>; errcode 88 carries <c>sub_code</c>/<c>sub_msg</c>.</summary>
public sealed record LegacyStatus(
    [property: JsonPropertyName("errcode")] int ErrCode,
    [property: JsonPropertyName("errmsg")] string? ErrMsg,
    [property: JsonPropertyName("request_id")] string? RequestId,
    [property: JsonPropertyName("sub_code")] string? SubCode,
    [property: JsonPropertyName("sub_msg")] string? SubMsg);

/// <summary>A legacy answer whose payload is under <c>result</c>.</summary>
public sealed record LegacyResult<T>([property: JsonPropertyName("result")] T? Result);
