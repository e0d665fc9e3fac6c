using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Chatbot;
using SchoolSafety.Core.Inbox;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.DingTalk.Stream;

/// <summary>What to do with a frame: the ACK to send (null for none), and whether the gateway asked us to reconnect.</summary>
public sealed record StreamResult(StreamAck? Ack, bool Reconnect = false);

/// <summary>
/// Stream frames to the same handlers as the HTTP endpoints: EVENT → the inbox (ACK SUCCESS once stored, LATER when
/// storing failed), card CALLBACK → <see cref="CardCallbackService"/> (its reply inside the ACK), robot CALLBACK → a
/// <c>chatbot.reply</c> outbox row (ACK at once), SYSTEM <c>ping</c> → echoed, <c>disconnect</c> → reconnect.
/// </summary>
public sealed partial class StreamFrameHandler(
    MySqlDataSource db,
    InboxIntake inbox,
    CardCallbackService cards,
    OutboxStore outbox,
    CallbackVerifier verifier,
    ILogger<StreamFrameHandler> logger)
{
    public const string CardTopic = "/v1.0/card/instances/callback";
    public const string RobotTopic = "/v1.0/im/bot/messages/get";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task<StreamResult> HandleAsync(StreamFrame frame, CancellationToken ct)
    {
        switch (frame.Type, frame.Topic)
        {
            case ("SYSTEM", "ping"):
                return new(StreamAck.For(frame, 200, "OK", frame.Data ?? "{}"));
            case ("SYSTEM", "disconnect"):
                Log.Disconnect(logger);
                return new(null, Reconnect: true);
            case ("EVENT", _):
                return new(await EventAsync(frame, ct));
            case ("CALLBACK", CardTopic):
                var click = CardCallback.Parse(frame.Data ?? "");
                if (click is null) return new(StreamAck.For(frame, 400, "not a card callback", "{}"));
                var reply = await cards.HandleAsync(click, ct);
                return new(StreamAck.For(frame, 200, "OK", JsonSerializer.Serialize(new { response = reply }, Json)));
            case ("CALLBACK", RobotTopic):
                return new(await RobotAsync(frame, ct));
            default:
                Log.Unsupported(logger, frame.Type, frame.Topic);
                return new(StreamAck.For(frame, 404, "topic not supported", "{}"));
        }
    }

    private async Task<StreamAck> EventAsync(StreamFrame frame, CancellationToken ct)
    {
        try
        {
            var result = await inbox.AcceptAsync(frame.Data ?? "", "stream", ct, frame.Header("eventId"), frame.Header("eventType"));
            // A malformed event would come back forever: acknowledge it (it is logged) rather than ask for it again.
            return StreamAck.For(frame, 200, "OK", JsonSerializer.Serialize(new { status = "SUCCESS", message = result.ToString() }));
        }
        catch (Exception e) when (e is MySqlException or TimeoutException)
        {
            Log.EventNotStored(logger, frame.Header("eventId"), e);
            return StreamAck.For(frame, 200, "OK", JsonSerializer.Serialize(new { status = "LATER", message = "not stored" }));
        }
    }

    private async Task<StreamAck> RobotAsync(StreamFrame frame, CancellationToken ct)
    {
        var ack = StreamAck.For(frame, 200, "OK", """{"response":null}""");
        if (RobotMessageCallback.Parse(frame.Data ?? "") is not { } parsed) return ack;
        var id = parsed.MsgId ?? frame.MessageId ?? "";
        // Remembered in the database, as over HTTP: a message pushed again (a late ACK, a reconnect, another instance) is answered once.
        if (id.Length > 0 && (await verifier.MessageOnceAsync(id, ct)).State != ReplayState.New)
        {
            Log.RobotRepeat(logger, id);
            return ack;
        }
        var m = parsed.Message;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await outbox.EnqueueAsync(conn, tx,
            [new OutboxMessage(ChatbotReplyRenderer.ReplyTopic, null, new ChatbotReplyPayload(m.ConversationId, m.IsGroup, m.SenderDingTalkUserId, m.Text))], ct);
        await tx.CommitAsync(ct);
        return ack;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Stream: the gateway asked us to reconnect")]
        public static partial void Disconnect(ILogger logger);

        [LoggerMessage(2, LogLevel.Warning, "Stream: unsupported frame {Type} {Topic}")]
        public static partial void Unsupported(ILogger logger, string type, string? topic);

        [LoggerMessage(3, LogLevel.Warning, "Stream: event {EventId} not stored; ACKed LATER")]
        public static partial void EventNotStored(ILogger logger, string? eventId, Exception e);

        [LoggerMessage(4, LogLevel.Information, "Stream: robot message {MsgId} seen before; ACKed, not answered again")]
        public static partial void RobotRepeat(ILogger logger, string msgId);
    }
}
