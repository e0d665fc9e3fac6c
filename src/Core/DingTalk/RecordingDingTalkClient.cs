using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.DingTalk;

/// <summary>One call the offline client received.</summary>
/// <param name="Method">The client method, e.g. <c>SendGroupMessage</c>.</param>
/// <param name="Api">The HTTP call the real client would make.</param>
/// <param name="Target">Who it was for: a conversation, users, a card's outTrackId.</param>
/// <param name="Body">The request body the real client would send.</param>
public sealed record RecordedDingTalkCall(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("api")] string Api,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("body")] object? Body);

/// <summary>
/// The client used when no DingTalk credentials are configured (local runs, demos): each call is
/// appended as one JSON line to <see cref="DingTalkOptions.OfflineLogPath"/> and kept in <see cref="Calls"/>,
/// and answered with a plausible success, so the whole product runs with no DingTalk at all. Each call is metered under the
/// API name the real client counts it by (<see cref="DingTalkUsage"/>), so a local run shows the budget a real one would use.
/// </summary>
public sealed class RecordingDingTalkClient(IOptions<DingTalkOptions> options, TimeProvider clock, DingTalkUsage? usage = null) : IDingTalkClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Lock _gate = new();
    private readonly List<RecordedDingTalkCall> _calls = [];
    private long _sequence;

    public string? LogPath { get; } = string.IsNullOrWhiteSpace(options.Value.OfflineLogPath) ? null : Path.GetFullPath(options.Value.OfflineLogPath);

    public IReadOnlyList<RecordedDingTalkCall> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    public Task<string> SendGroupMessageAsync(string openConversationId, RobotMessage message, CancellationToken ct)
    {
        var id = Record("SendGroupMessage", "robot.groupMessages.send", "POST /v1.0/robot/groupMessages/send", openConversationId,
            new { openConversationId, msgKey = message.MsgKey, msgParam = message.MsgParam });
        return Task.FromResult($"offline-{id}");
    }

    public Task<UserMessagesResult> SendUserMessagesAsync(IReadOnlyList<string> userIds, RobotMessage message, CancellationToken ct)
    {
        var keys = userIds.Distinct(StringComparer.Ordinal).Chunk(DingTalkClient.MaxUsersPerBatch)
            .Select(chunk => "offline-" + Record("SendUserMessages", "robot.oToMessages.batchSend", "POST /v1.0/robot/oToMessages/batchSend", string.Join(',', chunk),
                new { userIds = chunk, msgKey = message.MsgKey, msgParam = message.MsgParam }))
            .ToList();
        return Task.FromResult(new UserMessagesResult(keys, [], []));
    }

    public Task<CardDeliveryResult> CreateAndDeliverCardAsync(CardDelivery card, CancellationToken ct)
    {
        Record("CreateAndDeliverCard", "card.instances.createAndDeliver", "POST /v1.0/card/instances/createAndDeliver", card.OutTrackId, card);
        return Task.FromResult(Delivered(card));
    }

    public Task<CardDeliveryResult> DeliverCardAsync(CardDelivery card, CancellationToken ct)
    {
        Record("DeliverCard", "card.instances.deliver", "POST /v1.0/card/instances/deliver", card.OutTrackId, new { card.OutTrackId, spaces = card.SpaceKeys });
        return Task.FromResult(Delivered(card));
    }

    private static CardDeliveryResult Delivered(CardDelivery card)
    {
        var spaces = new List<CardSpaceResult>();
        if (card.GroupOpenConversationId is { } cid) spaces.Add(new CardSpaceResult("IM_GROUP", cid, true, "offline", null));
        spaces.AddRange(card.RobotUserIds.Select(u => new CardSpaceResult("IM_ROBOT", u, true, "offline", null)));
        return new CardDeliveryResult(card.OutTrackId, spaces);
    }

    public Task UpdateCardAsync(CardUpdate update, CancellationToken ct)
    {
        Record("UpdateCard", "card.instances.update", "PUT /v1.0/card/instances", update.OutTrackId, update);
        return Task.CompletedTask;
    }

    public Task<CardCallbackRoute> RegisterCardCallbackAsync(string routeKey, string callbackUrl, string? apiSecret, bool forceUpdate, CancellationToken ct)
    {
        Record("RegisterCardCallback", "card.callbacks.register", "POST /v1.0/card/callbacks/register", routeKey, new { callbackRouteKey = routeKey, callbackUrl, forceUpdate });
        return Task.FromResult(new CardCallbackRoute(callbackUrl, apiSecret));
    }

    public Task<long> SendWorkNotificationAsync(WorkNotification notification, CancellationToken ct) =>
        Task.FromResult(Record("SendWorkNotification", "message.corpconversation.asyncsend_v2", "POST /topapi/message/corpconversation/asyncsend_v2",
            string.Join(',', notification.UserIds), notification.Message));

    public Task<DingTalkLoginUser> GetUserByAuthCodeAsync(string authCode, CancellationToken ct)
    {
        Record("GetUserByAuthCode", "user.getuserinfo", "POST /topapi/v2/user/getuserinfo", "auth-code", null);
        // Offline, the auth code is the user id (the dev login page passes it), so a local run can log in as anyone.
        return Task.FromResult(new DingTalkLoginUser(authCode, null, null, false, 0));
    }

    public Task<DingTalkUserDetail> GetUserAsync(string userId, CancellationToken ct)
    {
        Record("GetUser", "user.get", "POST /topapi/v2/user/get", userId, null);
        return Task.FromResult(new DingTalkUserDetail { UserId = userId, Active = true });
    }

    public Task<IReadOnlyList<DingTalkDepartment>> ListSubDepartmentsAsync(long? parentDeptId, CancellationToken ct)
    {
        Record("ListSubDepartments", "department.listsub", "POST /topapi/v2/department/listsub", (parentDeptId ?? 1).ToString(), null);
        return Task.FromResult<IReadOnlyList<DingTalkDepartment>>([]);
    }

    public Task<string> UploadMediaAsync(MediaUpload media, CancellationToken ct)
    {
        var id = Record("UploadMedia", "media.upload", "POST /media/upload?type=" + media.Type, media.FileName,
            new { media.Type, media.FileName, media.ContentType, bytes = media.Content.Length });
        return Task.FromResult($"@offline-{id}");
    }

    public Task<DingTalkTodo> CreateTodoAsync(string unionId, TodoCreate todo, CancellationToken ct)
    {
        var id = Record("CreateTodo", "todo.tasks.create", $"POST /v1.0/todo/users/{unionId}/tasks", unionId, todo);
        return Task.FromResult(new DingTalkTodo($"offline-{id}", todo.Subject, todo.SourceId, false));
    }

    public Task UpdateTodoAsync(string unionId, string taskId, TodoUpdate update, CancellationToken ct)
    {
        Record("UpdateTodo", "todo.tasks.update", $"PUT /v1.0/todo/users/{unionId}/tasks/{taskId}", taskId, update);
        return Task.CompletedTask;
    }

    private long Record(string method, string meteredAs, string api, string target, object? body)
    {
        // Counted before it is "sent", as the real client does; the offline client has no async path to wait on, and a
        // count never fails the call.
        usage?.CountAsync(meteredAs, CancellationToken.None).GetAwaiter().GetResult();
        var call = new RecordedDingTalkCall(clock.GetUtcNow(), method, api, target, body);
        lock (_gate)
        {
            _calls.Add(call);
            if (LogPath is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
                File.AppendAllText(LogPath, JsonSerializer.Serialize(call, Json) + "\n");
            }
            return ++_sequence;
        }
    }
}
