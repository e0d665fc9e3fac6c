using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Chatbot;

/// <summary>A robot message received in Stream mode, answered through the outbox (no DingTalk call inside a callback).</summary>
public sealed record ChatbotReplyPayload(string ConversationId, bool IsGroup, string? SenderDingTalkUserId, string Text);

/// <summary>
/// Renders <see cref="Topic"/>: the reply is composed when the row is sent, then goes to the group chat it came from,
/// or to the sender's robot 1:1 chat.
/// </summary>
public sealed class ChatbotReplyRenderer(ChatbotService chatbot) : IOutboxTopicRenderer
{
    public const string ReplyTopic = "chatbot.reply";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => ReplyTopic;

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<ChatbotReplyPayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty chatbot.reply payload");
        var reply = await chatbot.ReplyAsync(new ChatMessage(p.Text, p.SenderDingTalkUserId, p.ConversationId, p.IsGroup), ct);
        var markdown = RobotMessage.Markdown(reply.Title, reply.Text);
        if (p.IsGroup) return new OutboxDelivery.GroupMessage(p.ConversationId, markdown);
        return p.SenderDingTalkUserId is { Length: > 0 } user
            ? new OutboxDelivery.UserMessages([user], markdown)
            : new OutboxDelivery.Nothing("a 1:1 message without a sender");
    }
}

public static class ChatbotSetup
{
    public static IServiceCollection AddChatbot(this IServiceCollection services)
    {
        services.TryAddSingleton<ChatbotService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxTopicRenderer, ChatbotReplyRenderer>());
        return services;
    }
}
