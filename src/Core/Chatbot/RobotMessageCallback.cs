using System.Text.Json;
using System.Text.Json.Serialization;

namespace SchoolSafety.Core.Chatbot;

/// <summary>A robot message as DingTalk delivers it (HTTP body or Stream <c>data</c>, facts §3.6, §5.5).</summary>
public static class RobotMessageCallback
{
    /// <summary>The message and its <c>msgId</c>; null when the body is not a robot message.</summary>
    public static (ChatMessage Message, string? MsgId)? Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object || Str(r, "conversationId") is not { Length: > 0 } cid) return null;
            var text = r.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.Object ? Str(t, "content") ?? "" : "";
            var message = new ChatMessage(text, Str(r, "senderStaffId"), cid, Str(r, "conversationType") == "2");
            return (message, Str(r, "msgId"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>The reply to an HTTP-mode robot message, in the response body (the outgoing-robot message shape of facts §5.4).</summary>
public sealed record RobotMarkdownReply(
    [property: JsonPropertyName("msgtype")] string MsgType,
    [property: JsonPropertyName("markdown")] RobotMarkdown Markdown)
{
    public static RobotMarkdownReply Of(ChatReply reply) => new("markdown", new RobotMarkdown(reply.Title, reply.Text));
}

public sealed record RobotMarkdown([property: JsonPropertyName("title")] string Title, [property: JsonPropertyName("text")] string Text);
