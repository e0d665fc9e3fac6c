using System.Text.Json;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Digests;

/// <summary>
/// Payload of <see cref="DigestMessages.Topic"/>: the chat and the composed message. A digest holds counts, clue numbers,
/// schools and units — no personal data — and is composed when queued, so that what was recorded is what goes out.
/// </summary>
public sealed record DigestPayload(string ChatId, string Kind, string MsgKey, string MsgParam);

public static class DigestMessages
{
    /// <summary>A digest or weekly note to a group chat. Waits while the DingTalk budget is spent (<see cref="OutboxTopics.Deferrable"/>).</summary>
    public const string Topic = OutboxTopics.Digest;

    public static OutboxMessage Queue(string chatId, string kind, RobotMessage message) =>
        new(Topic, null, new DigestPayload(chatId, kind, message.MsgKey, message.MsgParam));
}

/// <summary>Sends a queued digest to its chat.</summary>
public sealed class DigestRenderer : IOutboxTopicRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => DigestMessages.Topic;

    public Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<DigestPayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty digest payload");
        return Task.FromResult<OutboxDelivery>(new OutboxDelivery.GroupMessage(p.ChatId, new RobotMessage(p.MsgKey, p.MsgParam)));
    }
}
