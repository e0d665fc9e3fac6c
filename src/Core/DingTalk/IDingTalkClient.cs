using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.DingTalk;

/// <summary>
/// Everything the product asks of DingTalk. Methods say what we do; the endpoints and field names
/// are in the implementation and <c>Contracts/</c>. Failures throw <see cref="DingTalkApiException"/>.
/// </summary>
public interface IDingTalkClient
{
    /// <summary>The app robot posts to a group; returns the processQueryKey.</summary>
    Task<string> SendGroupMessageAsync(string openConversationId, RobotMessage message, CancellationToken ct);

    /// <summary>The app robot writes to users 1:1, 20 users a call (larger lists are split).</summary>
    Task<UserMessagesResult> SendUserMessagesAsync(IReadOnlyList<string> userIds, RobotMessage message, CancellationToken ct);

    /// <summary>Creates an interactive card and delivers it; each space's result is in the answer.</summary>
    Task<CardDeliveryResult> CreateAndDeliverCardAsync(CardDelivery card, CancellationToken ct);

    /// <summary>Delivers an already created card to the spaces of <paramref name="card"/> (its template and data are not resent).</summary>
    Task<CardDeliveryResult> DeliverCardAsync(CardDelivery card, CancellationToken ct);

    Task UpdateCardAsync(CardUpdate update, CancellationToken ct);

    Task<CardCallbackRoute> RegisterCardCallbackAsync(string routeKey, string callbackUrl, string? apiSecret, bool forceUpdate, CancellationToken ct);

    /// <summary>A work notification from the app's agent; returns DingTalk's task id.</summary>
    Task<long> SendWorkNotificationAsync(WorkNotification notification, CancellationToken ct);

    /// <summary>Mini-app login: exchanges a one-time auth code for the user.</summary>
    Task<DingTalkLoginUser> GetUserByAuthCodeAsync(string authCode, CancellationToken ct);

    Task<DingTalkUserDetail> GetUserAsync(string userId, CancellationToken ct);

    /// <summary>Direct sub-departments of <paramref name="parentDeptId"/> (null = the root, 1).</summary>
    Task<IReadOnlyList<DingTalkDepartment>> ListSubDepartmentsAsync(long? parentDeptId, CancellationToken ct);

    /// <summary>Uploads a file; returns its media_id.</summary>
    Task<string> UploadMediaAsync(MediaUpload media, CancellationToken ct);

    Task<DingTalkTodo> CreateTodoAsync(string unionId, TodoCreate todo, CancellationToken ct);

    Task UpdateTodoAsync(string unionId, string taskId, TodoUpdate update, CancellationToken ct);

    /// <summary>The to-do created with this sourceId (<c>GET /v1.0/todo/users/{unionId}/tasks/sources/{sourceId}</c>).</summary>
    Task<DingTalkTodo> GetTodoBySourceIdAsync(string unionId, string sourceId, CancellationToken ct);
}
