namespace SchoolSafety.Core.Notifications;

/// <summary>The kinds of outbox rows. Payloads carry our ids; the dispatcher looks up DingTalk ids when sending.</summary>
public static class OutboxTopics
{
    /// <summary>Deliver the clue's interactive card to users' 1:1 robot chats. Payload: <see cref="CardDeliverPayload"/>.</summary>
    public const string CardDeliver = "clue.card.deliver";

    /// <summary>Refresh every delivered copy of the clue's card to the clue's current state. Payload: <see cref="ClueRefPayload"/>.</summary>
    public const string CardUpdate = "clue.card.update";

    /// <summary>A markdown notice in the school's work-group chat. Payload: <see cref="GroupNoticePayload"/>.</summary>
    public const string GroupNotice = "clue.group.notice";

    /// <summary>A 1:1 text notice to users (urge, supervision). Payload: <see cref="UserNoticePayload"/>.</summary>
    public const string UserNotice = "clue.user.notice";

    /// <summary>Send the clue to the four platforms' gateway (after the head's approval, or for a redo). Payload: <see cref="ClueRefPayload"/>.</summary>
    public const string GridDispatch = "grid.dispatch";

    /// <summary>A digest or weekly note to a group chat (composed when queued). Payload: <c>DigestPayload</c>.</summary>
    public const string Digest = "digest.group";

    /// <summary>The DingTalk budget's 80 % warning to the EDU admins. Payload: <see cref="BudgetWarningPayload"/>.</summary>
    public const string BudgetWarning = "dingtalk.budget.warning";

    /// <summary>Topics that wait once the month's DingTalk budget is spent; cards and messages to handlers still go.</summary>
    public static readonly IReadOnlySet<string> Deferrable = new HashSet<string>(StringComparer.Ordinal) { Digest };
}

public sealed record BudgetWarningPayload(IReadOnlyList<long> UserIds, string Month, long Used, int Budget);

public sealed record ClueRefPayload(long ClueId, int Version);

/// <param name="AfterUpdate">A card update (<c>clue.card.update</c>) was queued just before this delivery, in the same transaction
/// and under the same ordering key: it is sent first and carries these recipients' private buttons.</param>
public sealed record CardDeliverPayload(long ClueId, int Version, IReadOnlyList<long> UserIds, string Reason, bool AfterUpdate = false);

public sealed record GroupNoticePayload(long ClueId, int Version, long SchoolId, string Kind);

public sealed record UserNoticePayload(long ClueId, int Version, IReadOnlyList<long> UserIds, string Kind, long? ActorUserId);
