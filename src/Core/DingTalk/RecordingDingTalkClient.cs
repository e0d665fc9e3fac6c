using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.DingTalk;

/// <summary>One call the offline client received (docs/cards.md, "The recording").</summary>
/// <param name="Method">The client method, e.g. <c>SendGroupMessage</c>.</param>
/// <param name="Api">The HTTP call the real client would make: <c>POST /v1.0/robot/groupMessages/send</c> (path and query, no token).</param>
/// <param name="Target">Who it was for: a conversation, users (comma-separated), a card's outTrackId.</param>
/// <param name="Body">The request body exactly as the real client would send it.</param>
/// <param name="MeteredAs">The API name the call is metered and rate-limited by, e.g. <c>card.instances.createAndDeliver</c>.</param>
public sealed record RecordedDingTalkCall(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("api")] string Api,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("body")] JsonElement Body,
    [property: JsonPropertyName("meteredAs")] string MeteredAs);

/// <summary>
/// The client used when no DingTalk credentials are configured (local runs, demos): each call is built exactly as the
/// real client builds it (<see cref="DingTalkRequests"/>), recorded in order — in the <c>dingtalk_calls</c> table
/// (<see cref="DingTalkCallStore"/>, read by every host), as one JSON line in <see cref="DingTalkOptions.OfflineLogPath"/>
/// and in <see cref="Calls"/> — and answered with a plausible success, so the whole product runs with no DingTalk at all.
/// Each call is metered under the API name the real client counts it by (<see cref="DingTalkUsage"/>), so a local run
/// shows the budget a real one would use.
/// </summary>
public sealed class RecordingDingTalkClient(
    IOptions<DingTalkOptions> options, TimeProvider clock, DingTalkUsage? usage = null, DingTalkCallStore? store = null) : IDingTalkClient
{
    private readonly DingTalkOptions _o = options.Value;
    private readonly Lock _gate = new();
    private readonly List<RecordedDingTalkCall> _calls = [];
    private readonly HashSet<string> _created = new(StringComparer.Ordinal);
    private long _sequence;

    public string? LogPath { get; } = string.IsNullOrWhiteSpace(options.Value.OfflineLogPath) ? null : Path.GetFullPath(options.Value.OfflineLogPath);

    public IReadOnlyList<RecordedDingTalkCall> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    public async Task<string> SendGroupMessageAsync(string openConversationId, RobotMessage message, CancellationToken ct) =>
        $"offline-{await RecordAsync(DingTalkRequests.GroupMessage(_o.EffectiveRobotCode, openConversationId, message), ct)}";

    public async Task<UserMessagesResult> SendUserMessagesAsync(IReadOnlyList<string> userIds, RobotMessage message, CancellationToken ct)
    {
        var keys = new List<string>();
        foreach (var request in DingTalkRequests.UserMessages(_o.EffectiveRobotCode, userIds, message))
            keys.Add($"offline-{await RecordAsync(request, ct)}");
        return new UserMessagesResult(keys, [], []);
    }

    /// <summary>
    /// Like DingTalk, a card's outTrackId is created once: a second create is counted (DingTalk meters it) but refused with
    /// <c>param.cardAlreadyExist</c> and not recorded, so a local run and the budget bench pay what a real one pays.
    /// </summary>
    public async Task<CardDeliveryResult> CreateAndDeliverCardAsync(CardDelivery card, CancellationToken ct)
    {
        var request = DingTalkRequests.CreateAndDeliverCard(_o.EffectiveRobotCode, card);
        if (await CreatedAsync(card.OutTrackId, ct))
        {
            if (usage is not null) await usage.CountAsync(request.Api, CancellationToken.None);
            throw new DingTalkApiException("param.cardAlreadyExist", "card already exist", request.Api, 400);
        }
        await RecordAsync(request, ct);
        lock (_gate) _created.Add(card.OutTrackId);
        return Delivered(card);
    }

    /// <summary>
    /// Found in the recording table (every host's and earlier runs' calls; emptying the table starts afresh), or without
    /// the table made by this recorder.
    /// </summary>
    private async Task<bool> CreatedAsync(string outTrackId, CancellationToken ct)
    {
        if (store is not null && _o.OfflineRecordInDatabase) return await store.CardCreatedAsync(outTrackId, ct);
        lock (_gate) return _created.Contains(outTrackId);
    }

    public async Task<CardDeliveryResult> DeliverCardAsync(CardDelivery card, CancellationToken ct)
    {
        await RecordAsync(DingTalkRequests.DeliverCard(_o.EffectiveRobotCode, card), ct);
        return Delivered(card);
    }

    private static CardDeliveryResult Delivered(CardDelivery card)
    {
        var spaces = new List<CardSpaceResult>();
        if (card.GroupOpenConversationId is { } cid) spaces.Add(new CardSpaceResult("IM_GROUP", cid, true, "offline", null));
        spaces.AddRange(card.RobotUserIds.Select(u => new CardSpaceResult("IM_ROBOT", u, true, "offline", null)));
        return new CardDeliveryResult(card.OutTrackId, spaces);
    }

    public Task UpdateCardAsync(CardUpdate update, CancellationToken ct) => RecordAsync(DingTalkRequests.UpdateCard(update), ct);

    public async Task<CardCallbackRoute> RegisterCardCallbackAsync(string routeKey, string callbackUrl, string? apiSecret, bool forceUpdate, CancellationToken ct)
    {
        await RecordAsync(DingTalkRequests.RegisterCardCallback(routeKey, callbackUrl, apiSecret, forceUpdate), ct);
        return new CardCallbackRoute(callbackUrl, apiSecret);
    }

    /// <summary>Offline there may be no agent id: the body carries 0 then.</summary>
    public Task<long> SendWorkNotificationAsync(WorkNotification notification, CancellationToken ct) =>
        RecordAsync(DingTalkRequests.WorkNotification(_o.AgentId ?? 0, notification), ct);

    public async Task<DingTalkLoginUser> GetUserByAuthCodeAsync(string authCode, CancellationToken ct)
    {
        await RecordAsync(DingTalkRequests.UserByAuthCode(authCode), ct);
        // Offline, the auth code is the user id (the dev login page passes it), so a local run can log in as anyone.
        return new DingTalkLoginUser(authCode, null, null, false, 0);
    }

    public async Task<DingTalkUserDetail> GetUserAsync(string userId, CancellationToken ct)
    {
        await RecordAsync(DingTalkRequests.User(userId), ct);
        return new DingTalkUserDetail { UserId = userId, Active = true };
    }

    public async Task<IReadOnlyList<DingTalkDepartment>> ListSubDepartmentsAsync(long? parentDeptId, CancellationToken ct)
    {
        await RecordAsync(DingTalkRequests.SubDepartments(parentDeptId), ct);
        return [];
    }

    public async Task<string> UploadMediaAsync(MediaUpload media, CancellationToken ct) =>
        $"@offline-{await RecordAsync(DingTalkRequests.Media(media), ct)}";

    /// <summary>The id answered is derived from the to-do's sourceId (unique per to-do), so a reader of the recording links a later completion to it.</summary>
    public async Task<DingTalkTodo> CreateTodoAsync(string unionId, TodoCreate todo, CancellationToken ct)
    {
        var n = await RecordAsync(DingTalkRequests.CreateTodo(unionId, todo), ct);
        return new(OfflineTodoId(todo.SourceId) ?? $"offline-{n}", todo.Subject, todo.SourceId, false);
    }

    /// <summary>The task id the recorder answers for a to-do with this sourceId (null for none): <c>offline-{sourceId}</c>.</summary>
    public static string? OfflineTodoId(string? sourceId) => string.IsNullOrEmpty(sourceId) ? null : "offline-" + sourceId;

    /// <summary>Offline every to-do exists under the id its create was answered with (<see cref="OfflineTodoId"/>).</summary>
    public async Task<DingTalkTodo> GetTodoBySourceIdAsync(string unionId, string sourceId, CancellationToken ct)
    {
        await RecordAsync(DingTalkRequests.TodoBySourceId(unionId, sourceId), ct);
        return new(OfflineTodoId(sourceId)!, null, sourceId, false);
    }

    public Task UpdateTodoAsync(string unionId, string taskId, TodoUpdate update, CancellationToken ct) =>
        RecordAsync(DingTalkRequests.UpdateTodo(unionId, taskId, update), ct);

    /// <summary>
    /// Records any request, whatever its kind: metered as the real client meters it, kept in the table, the file and
    /// memory, in order. Returns a number unique to this process (the fake ids the answers carry).
    /// </summary>
    public async Task<long> RecordAsync(DingTalkRequest request, CancellationToken ct, [CallerMemberName] string caller = "")
    {
        // Counted before it is "sent", as the real client does; a count never fails the call.
        if (usage is not null) await usage.CountAsync(request.Api, CancellationToken.None);
        var body = request.BodyJson();
        var call = new RecordedDingTalkCall(clock.GetUtcNow(), MethodName(caller), $"{request.Method.Method} {request.PathAndQuery}",
            request.Target, ParseBody(body), request.Api);
        if (store is not null && _o.OfflineRecordInDatabase)
            await store.AddAsync(call, request, body, ct);
        lock (_gate)
        {
            _calls.Add(call);
            if (LogPath is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
                File.AppendAllText(LogPath, JsonSerializer.Serialize(call, DingTalkRequests.Json) + "\n");
            }
            return ++_sequence;
        }
    }

    private static JsonElement ParseBody(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static string MethodName(string caller) => caller.EndsWith("Async", StringComparison.Ordinal) ? caller[..^5] : caller;
}
