using System.Text.Json.Serialization;

namespace SchoolSafety.Core.DingTalk.Contracts;

/// <summary>What to create and where: the school's group and/or users' robot 1:1 chats.</summary>
/// <param name="CardParamMap">Template variables; values are strings (facts §4.1).</param>
/// <param name="CallbackRouteKey">HTTP callback route (4.3); null means Stream mode callbacks.</param>
public sealed record CardDelivery(
    string CardTemplateId,
    string OutTrackId,
    IReadOnlyDictionary<string, string> CardParamMap,
    string? GroupOpenConversationId,
    IReadOnlyList<string> RobotUserIds,
    string? CallbackRouteKey = null,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? PrivateData = null)
{
    /// <summary><c>IM_GROUP.{openConversationId}</c> and <c>IM_ROBOT.{userId}</c>, as they go into <c>openSpaceId</c>.</summary>
    public IReadOnlyList<string> SpaceKeys =>
        (GroupOpenConversationId is { } cid ? ["IM_GROUP." + cid] : Array.Empty<string>())
        .Concat(RobotUserIds.Select(u => "IM_ROBOT." + u)).ToList();

    /// <summary>The same card restricted to the given space keys (for a retry that skips spaces already served).</summary>
    public CardDelivery Only(IReadOnlySet<string> keys) => this with
    {
        GroupOpenConversationId = GroupOpenConversationId is { } cid && keys.Contains("IM_GROUP." + cid) ? cid : null,
        RobotUserIds = RobotUserIds.Where(u => keys.Contains("IM_ROBOT." + u)).ToList(),
    };
}

/// <summary>One space's delivery result; a 200 can still carry failed spaces.</summary>
public sealed record CardSpaceResult(string SpaceType, string SpaceId, bool Success, string? CarrierId, string? ErrorMsg);

public sealed record CardDeliveryResult(string OutTrackId, IReadOnlyList<CardSpaceResult> Spaces)
{
    /// <summary>The space keys as <see cref="CardDelivery.SpaceKeys"/> names them (<c>IM_ROBOT.user1</c>).</summary>
    public IReadOnlyList<string> DeliveredKeys => Spaces.Where(s => s.Success).Select(s => $"{s.SpaceType}.{s.SpaceId}").ToList();

    public IReadOnlyList<CardSpaceResult> Failed => Spaces.Where(s => !s.Success).ToList();
    public bool AllDelivered => Spaces.All(s => s.Success);
}

/// <summary>
/// A card update; <see cref="MergeByKey"/> merges into the card's data instead of replacing it. <see cref="PrivateData"/>,
/// keyed by DingTalk user id, is what only that person's copy shows (their buttons).
/// </summary>
public sealed record CardUpdate(string OutTrackId, IReadOnlyDictionary<string, string> CardParamMap, bool MergeByKey = true,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? PrivateData = null);

public sealed record CardParams([property: JsonPropertyName("cardParamMap")] IReadOnlyDictionary<string, string> CardParamMap)
{
    public static IReadOnlyDictionary<string, CardParams>? PerUser(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? data) =>
        data is null ? null : data.ToDictionary(p => p.Key, p => new CardParams(p.Value));
}

public sealed record OpenSpaceModel([property: JsonPropertyName("supportForward")] bool SupportForward);

public sealed record GroupDeliverModel([property: JsonPropertyName("robotCode")] string RobotCode);

public sealed record RobotDeliverModel(
    [property: JsonPropertyName("spaceType")] string SpaceType,
    [property: JsonPropertyName("robotCode")] string RobotCode);

/// <summary><c>POST /v1.0/card/instances/createAndDeliver</c> (facts §4.1).</summary>
public sealed record CreateAndDeliverRequest
{
    [JsonPropertyName("cardTemplateId")] public required string CardTemplateId { get; init; }
    [JsonPropertyName("outTrackId")] public required string OutTrackId { get; init; }
    [JsonPropertyName("openSpaceId")] public required string OpenSpaceId { get; init; }
    [JsonPropertyName("cardData")] public required CardParams CardData { get; init; }
    [JsonPropertyName("callbackType")] public required string CallbackType { get; init; }
    [JsonPropertyName("callbackRouteKey")] public string? CallbackRouteKey { get; init; }
    [JsonPropertyName("userIdType")] public int UserIdType { get; init; } = 1;
    [JsonPropertyName("imGroupOpenSpaceModel")] public OpenSpaceModel? ImGroupOpenSpaceModel { get; init; }
    [JsonPropertyName("imGroupOpenDeliverModel")] public GroupDeliverModel? ImGroupOpenDeliverModel { get; init; }
    [JsonPropertyName("imRobotOpenSpaceModel")] public OpenSpaceModel? ImRobotOpenSpaceModel { get; init; }
    [JsonPropertyName("imRobotOpenDeliverModel")] public RobotDeliverModel? ImRobotOpenDeliverModel { get; init; }
    /// <summary>Per-user private data: <c>{userId: {cardParamMap}}</c> (facts §4.1).</summary>
    [JsonPropertyName("privateData"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, CardParams>? PrivateData { get; init; }
}

/// <summary><c>POST /v1.0/card/instances/deliver</c>: deliver an existing card to more spaces (facts §4.1, two-step form).</summary>
public sealed record DeliverCardRequest
{
    [JsonPropertyName("outTrackId")] public required string OutTrackId { get; init; }
    [JsonPropertyName("openSpaceId")] public required string OpenSpaceId { get; init; }
    [JsonPropertyName("userIdType")] public int UserIdType { get; init; } = 1;
    [JsonPropertyName("imGroupOpenDeliverModel")] public GroupDeliverModel? ImGroupOpenDeliverModel { get; init; }
    [JsonPropertyName("imRobotOpenDeliverModel")] public RobotDeliverModel? ImRobotOpenDeliverModel { get; init; }
}

public sealed record DeliverResult(
    [property: JsonPropertyName("spaceType")] string? SpaceType,
    [property: JsonPropertyName("spaceId")] string? SpaceId,
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("carrierId")] string? CarrierId,
    [property: JsonPropertyName("errorMsg")] string? ErrorMsg);

public sealed record CreateAndDeliverResult(
    [property: JsonPropertyName("outTrackId")] string? OutTrackId,
    [property: JsonPropertyName("deliverResults")] IReadOnlyList<DeliverResult>? DeliverResults);

/// <summary>The card APIs' success wrapper <c>{success, result}</c>.</summary>
public sealed record CardApiResponse<T>(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("result")] T? Result);

public sealed record CardUpdateOptions(
    [property: JsonPropertyName("updateCardDataByKey")] bool UpdateCardDataByKey,
    [property: JsonPropertyName("updatePrivateDataByKey")] bool UpdatePrivateDataByKey);

/// <summary><c>PUT /v1.0/card/instances</c> (facts §4.2).</summary>
public sealed record UpdateCardRequest(
    [property: JsonPropertyName("outTrackId")] string OutTrackId,
    [property: JsonPropertyName("cardData")] CardParams CardData,
    [property: JsonPropertyName("cardUpdateOptions")] CardUpdateOptions CardUpdateOptions,
    [property: JsonPropertyName("userIdType")] int UserIdType = 1,
    [property: JsonPropertyName("privateData"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, CardParams>? PrivateData = null);

/// <summary><c>POST /v1.0/card/callbacks/register</c> (facts §4.3).</summary>
public sealed record RegisterCardCallbackRequest(
    [property: JsonPropertyName("callbackRouteKey")] string CallbackRouteKey,
    [property: JsonPropertyName("callbackUrl")] string CallbackUrl,
    [property: JsonPropertyName("apiSecret"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ApiSecret,
    [property: JsonPropertyName("forceUpdate")] bool ForceUpdate);

public sealed record CardCallbackRoute(
    [property: JsonPropertyName("callbackUrl")] string? CallbackUrl,
    [property: JsonPropertyName("apiSecret")] string? ApiSecret);
