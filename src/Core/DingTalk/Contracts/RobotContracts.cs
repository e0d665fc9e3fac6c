using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SchoolSafety.Core.DingTalk.Contracts;

/// <summary>
/// A robot message: <c>msgKey</c> and its <c>msgParam</c>, which DingTalk wants as a JSON <b>string</b>
/// (facts §5.1, §5.3). Build it with the factories.
/// </summary>
public sealed record RobotMessage(string MsgKey, string MsgParam)
{
    // Chinese stays as UTF-8 rather than \uXXXX escapes: msgParam is capped at 15000 bytes.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static RobotMessage Text(string content) =>
        new("sampleText", JsonSerializer.Serialize(new SampleText(content), Json));

    public static RobotMessage Markdown(string title, string text) =>
        new("sampleMarkdown", JsonSerializer.Serialize(new SampleMarkdown(title, text), Json));

    public static RobotMessage ActionCard(string title, string text, string singleTitle, string singleUrl) =>
        new("sampleActionCard", JsonSerializer.Serialize(new SampleActionCard(title, text, singleTitle, singleUrl), Json));
}

public sealed record SampleText([property: JsonPropertyName("content")] string Content);

public sealed record SampleMarkdown(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("text")] string Text);

public sealed record SampleActionCard(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("singleTitle")] string SingleTitle,
    [property: JsonPropertyName("singleURL")] string SingleUrl);

/// <summary><c>POST /v1.0/robot/groupMessages/send</c>.</summary>
public sealed record GroupMessageRequest(
    [property: JsonPropertyName("robotCode")] string RobotCode,
    [property: JsonPropertyName("openConversationId")] string OpenConversationId,
    [property: JsonPropertyName("msgKey")] string MsgKey,
    [property: JsonPropertyName("msgParam")] string MsgParam);

public sealed record GroupMessageResponse([property: JsonPropertyName("processQueryKey")] string? ProcessQueryKey);

/// <summary><c>POST /v1.0/robot/oToMessages/batchSend</c> (at most 20 <c>userIds</c> a call).</summary>
public sealed record BatchSendRequest(
    [property: JsonPropertyName("robotCode")] string RobotCode,
    [property: JsonPropertyName("userIds")] IReadOnlyList<string> UserIds,
    [property: JsonPropertyName("msgKey")] string MsgKey,
    [property: JsonPropertyName("msgParam")] string MsgParam);

public sealed record BatchSendResponse(
    [property: JsonPropertyName("processQueryKey")] string? ProcessQueryKey,
    [property: JsonPropertyName("invalidStaffIdList")] IReadOnlyList<string>? InvalidStaffIdList,
    [property: JsonPropertyName("flowControlledStaffIdList")] IReadOnlyList<string>? FlowControlledStaffIdList);

/// <summary>The merged outcome of one or more batch calls.</summary>
public sealed record UserMessagesResult(
    IReadOnlyList<string> ProcessQueryKeys,
    IReadOnlyList<string> InvalidUserIds,
    IReadOnlyList<string> FlowControlledUserIds);
