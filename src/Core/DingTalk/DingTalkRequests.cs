using System.Globalization;
using System.Text.Json;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.DingTalk;

/// <summary>Which of DingTalk's two API families a call goes to: they differ in base URL, token and error shape.</summary>
public enum DingTalkApiFamily
{
    /// <summary><c>https://api.dingtalk.com</c>: the token in the <c>x-acs-dingtalk-access-token</c> header, camelCase JSON.</summary>
    New,

    /// <summary><c>https://oapi.dingtalk.com</c>: <c>?access_token=</c> on the URL, snake_case JSON, errcode/errmsg.</summary>
    Legacy,
}

/// <summary>
/// One DingTalk call as it goes out, the same for the HTTP client and the offline recorder: the API name it is metered
/// and rate-limited by, the HTTP method, the API family (base URL), the path and query (without the access token), the
/// body, and whom it is for (a conversation, users, a card's outTrackId). The body is sent as JSON with
/// <see cref="DingTalkRequests.Json"/>; a <see cref="MediaUpload"/> body is sent as multipart form data instead.
/// </summary>
public sealed record DingTalkRequest(string Api, HttpMethod Method, DingTalkApiFamily Family, string PathAndQuery, object Body, string Target)
{
    /// <summary>The body exactly as it goes on the wire (JSON text); for a multipart upload, its parts without the file's bytes.</summary>
    public string BodyJson() => Body is MediaUpload m
        ? JsonSerializer.Serialize(new { type = m.Type, media = new { fileName = m.FileName, contentType = m.ContentType, bytes = m.Content.Length } }, DingTalkRequests.Json)
        : JsonSerializer.Serialize(Body, Body.GetType(), DingTalkRequests.Json);
}

/// <summary>
/// Every request the product makes of DingTalk, built in one place (pure), so that what the offline recorder keeps is
/// what the HTTP client sends. Endpoints and fields: ../shared/dingtalk-api-facts.md §4–§10.
/// </summary>
public static class DingTalkRequests
{
    public const int MaxUsersPerBatch = 20;

    /// <summary>Chinese text as UTF-8, not \uXXXX escapes: several bodies have byte limits (work notification msg ≤ 2048 bytes).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly HttpMethod Post = HttpMethod.Post, Put = HttpMethod.Put, Get = HttpMethod.Get;

    /// <summary>The body of a GET: nothing is sent (the recording shows <c>{}</c>).</summary>
    public sealed record NoBody
    {
        public static readonly NoBody Instance = new();
    }

    public static DingTalkRequest GroupMessage(string robotCode, string openConversationId, RobotMessage message) =>
        new("robot.groupMessages.send", Post, DingTalkApiFamily.New, "/v1.0/robot/groupMessages/send",
            new GroupMessageRequest(robotCode, openConversationId, message.MsgKey, message.MsgParam), openConversationId);

    /// <summary>One call per 20 distinct users (facts §5.2).</summary>
    public static IReadOnlyList<DingTalkRequest> UserMessages(string robotCode, IReadOnlyList<string> userIds, RobotMessage message) =>
        userIds.Distinct(StringComparer.Ordinal).Chunk(MaxUsersPerBatch)
            .Select(chunk => new DingTalkRequest("robot.oToMessages.batchSend", Post, DingTalkApiFamily.New, "/v1.0/robot/oToMessages/batchSend",
                new BatchSendRequest(robotCode, chunk, message.MsgKey, message.MsgParam), string.Join(',', chunk)))
            .ToList();

    public static DingTalkRequest CreateAndDeliverCard(string robotCode, CardDelivery card)
    {
        var hasGroup = card.GroupOpenConversationId is not null;
        var hasRobot = card.RobotUserIds.Count > 0;
        return new("card.instances.createAndDeliver", Post, DingTalkApiFamily.New, "/v1.0/card/instances/createAndDeliver", new CreateAndDeliverRequest
        {
            CardTemplateId = card.CardTemplateId,
            OutTrackId = card.OutTrackId,
            OpenSpaceId = OpenSpaceId(card),
            CardData = new CardParams(card.CardParamMap),
            CallbackType = card.CallbackRouteKey is null ? "STREAM" : "HTTP",
            CallbackRouteKey = card.CallbackRouteKey,
            ImGroupOpenSpaceModel = hasGroup ? new OpenSpaceModel(SupportForward: false) : null,
            ImGroupOpenDeliverModel = hasGroup ? new GroupDeliverModel(robotCode) : null,
            ImRobotOpenSpaceModel = hasRobot ? new OpenSpaceModel(SupportForward: false) : null,
            ImRobotOpenDeliverModel = hasRobot ? new RobotDeliverModel("IM_ROBOT", robotCode) : null,
            PrivateData = CardParams.PerUser(card.PrivateData),
        }, card.OutTrackId);
    }

    public static DingTalkRequest DeliverCard(string robotCode, CardDelivery card) =>
        new("card.instances.deliver", Post, DingTalkApiFamily.New, "/v1.0/card/instances/deliver", new DeliverCardRequest
        {
            OutTrackId = card.OutTrackId,
            OpenSpaceId = OpenSpaceId(card),
            ImGroupOpenDeliverModel = card.GroupOpenConversationId is not null ? new GroupDeliverModel(robotCode) : null,
            ImRobotOpenDeliverModel = card.RobotUserIds.Count > 0 ? new RobotDeliverModel("IM_ROBOT", robotCode) : null,
        }, card.OutTrackId);

    public static DingTalkRequest UpdateCard(CardUpdate update) =>
        new("card.instances.update", Put, DingTalkApiFamily.New, "/v1.0/card/instances",
            new UpdateCardRequest(update.OutTrackId, new CardParams(update.CardParamMap),
                new CardUpdateOptions(update.MergeByKey, update.MergeByKey), PrivateData: CardParams.PerUser(update.PrivateData)),
            update.OutTrackId);

    public static DingTalkRequest RegisterCardCallback(string routeKey, string callbackUrl, string? apiSecret, bool forceUpdate) =>
        new("card.callbacks.register", Post, DingTalkApiFamily.New, "/v1.0/card/callbacks/register",
            new RegisterCardCallbackRequest(routeKey, callbackUrl, apiSecret, forceUpdate), routeKey);

    public static DingTalkRequest WorkNotification(long agentId, WorkNotification notification)
    {
        var users = string.Join(',', notification.UserIds);
        return new("message.corpconversation.asyncsend_v2", Post, DingTalkApiFamily.Legacy, "/topapi/message/corpconversation/asyncsend_v2",
            new WorkNotificationRequest(agentId, users, notification.Message), users);
    }

    public static DingTalkRequest UserByAuthCode(string authCode) =>
        new("user.getuserinfo", Post, DingTalkApiFamily.Legacy, "/topapi/v2/user/getuserinfo", new AuthCodeRequest(authCode), "auth-code");

    public static DingTalkRequest User(string userId) =>
        new("user.get", Post, DingTalkApiFamily.Legacy, "/topapi/v2/user/get", new UserGetRequest(userId), userId);

    public static DingTalkRequest SubDepartments(long? parentDeptId) =>
        new("department.listsub", Post, DingTalkApiFamily.Legacy, "/topapi/v2/department/listsub", new ListSubDepartmentsRequest(parentDeptId),
            (parentDeptId ?? 1).ToString(CultureInfo.InvariantCulture));

    /// <summary>C# clients get errcode 40004 unless <c>type</c> is on the URL as well as in the form (facts §8).</summary>
    public static DingTalkRequest Media(MediaUpload media) =>
        new("media.upload", Post, DingTalkApiFamily.Legacy, "/media/upload?type=" + Uri.EscapeDataString(media.Type), media, media.FileName);

    public static DingTalkRequest CreateTodo(string unionId, TodoCreate todo) =>
        new("todo.tasks.create", Post, DingTalkApiFamily.New,
            $"/v1.0/todo/users/{Uri.EscapeDataString(unionId)}/tasks?operatorId={Uri.EscapeDataString(unionId)}", todo, unionId);

    /// <summary>
    /// A to-do by our sourceId (根据sourceId查询待办详情, the official SDK's <c>GetTodoTaskBySourceId</c>): the way to learn the
    /// task id of a to-do whose create DingTalk answered but whose answer we lost.
    /// </summary>
    public static DingTalkRequest TodoBySourceId(string unionId, string sourceId) =>
        new("todo.tasks.getBySourceId", Get, DingTalkApiFamily.New,
            $"/v1.0/todo/users/{Uri.EscapeDataString(unionId)}/tasks/sources/{Uri.EscapeDataString(sourceId)}", NoBody.Instance, sourceId);

    public static DingTalkRequest UpdateTodo(string unionId, string taskId, TodoUpdate update) =>
        new("todo.tasks.update", Put, DingTalkApiFamily.New,
            $"/v1.0/todo/users/{Uri.EscapeDataString(unionId)}/tasks/{Uri.EscapeDataString(taskId)}?operatorId={Uri.EscapeDataString(unionId)}", update, taskId);

    /// <summary><c>dtv1.card//IM_GROUP.{cid};IM_ROBOT.{userId};…</c> (facts §4.1).</summary>
    public static string OpenSpaceId(CardDelivery card)
    {
        var keys = card.SpaceKeys;
        if (keys.Count == 0) throw new ArgumentException("A card needs a group or at least one user.", nameof(card));
        return "dtv1.card//" + string.Join(';', keys);
    }
}
