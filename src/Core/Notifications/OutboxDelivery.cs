using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.Notifications;

/// <summary>
/// What earlier attempts of a row already delivered, so that a retry skips it: the card was created
/// (a retry then only delivers), and the spaces (<c>IM_ROBOT.user1</c>) or users already served.
/// </summary>
public sealed record OutboxProgress(bool CardCreated, IReadOnlyList<string> Done)
{
    public static readonly OutboxProgress None = new(false, []);
}

/// <summary>One outbox row as the renderer sees it.</summary>
public sealed record OutboxEnvelope(long Id, string Topic, string? OrderingKey, string Payload, int Attempt, DateTime CreatedAt = default);

/// <summary>What one outbox row turns into: exactly one kind of DingTalk call, or nothing.</summary>
public abstract record OutboxDelivery
{
    private OutboxDelivery() { }

    public sealed record GroupMessage(string OpenConversationId, RobotMessage Message) : OutboxDelivery;

    public sealed record UserMessages(IReadOnlyList<string> UserIds, RobotMessage Message) : OutboxDelivery;

    /// <summary>
    /// A clue card to deliver. <paramref name="Exists"/>: an earlier delivery made the card instance (DingTalk refuses a
    /// second create of one outTrackId), so it is only delivered to the new spaces, after an update that gives the new holders
    /// their private buttons, unless <paramref name="PrivateDataSent"/>: the card update queued with this delivery, sent just
    /// before it, carried them already.
    /// </summary>
    public sealed record Card(CardDelivery Delivery, bool Exists = false, bool PrivateDataSent = false) : OutboxDelivery;

    public sealed record CardRefresh(CardUpdate Update) : OutboxDelivery;

    public sealed record WorkNotice(WorkNotification Notification) : OutboxDelivery;

    /// <summary>
    /// A call to a system other than DingTalk (the four platforms' gateway, a webhook), made by the feature that rendered
    /// it; an exception retries the row like a failed DingTalk call.
    /// </summary>
    public sealed record External(string Target, Func<CancellationToken, Task> SendAsync) : OutboxDelivery;

    /// <summary>
    /// DingTalk to-dos to create or complete, in order; after each call <see cref="RecordAsync"/> keeps what DingTalk answered
    /// (the task id; empty when DingTalk says the sourceId exists already), so a retry renders only what is left.
    /// </summary>
    public sealed record Todos(IReadOnlyList<TodoCall> Calls, Func<TodoCall, string?, CancellationToken, Task> RecordAsync) : OutboxDelivery;

    /// <summary>Nothing to send (e.g. the school has no group chat yet); the row is closed as sent and the reason logged.</summary>
    public sealed record Nothing(string Reason) : OutboxDelivery;
}

/// <summary>
/// Turns outbox rows into DingTalk calls. The dispatcher only claims rows of <see cref="Topics"/>, so a topic
/// nobody renders yet (e.g. <c>grid.dispatch</c>) waits instead of dying.
/// </summary>
public interface IOutboxMessageRenderer
{
    IReadOnlyCollection<string> Topics { get; }

    Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct);
}

/// <summary>One to-do call: a create (<see cref="Create"/> set) or a completion of <see cref="TaskId"/>, under the unionId in the path.</summary>
public sealed record TodoCall(long TodoId, string OperatorUnionId, TodoCreate? Create, string? TaskId, string? WithoutUnionId = null);
