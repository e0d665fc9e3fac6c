using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.DingTalk;

/// <summary>
/// The DingTalk client over HTTP. Every call: per-API rate limit → cached token → send → map errors of
/// both API families to <see cref="DingTalkApiException"/>. A refused token is dropped, refetched once
/// and the call retried once; throttling answers are retried after a backoff. Logs carry the API name,
/// the error code and DingTalk's request id only — never tokens, secrets or bodies.
/// </summary>
public sealed partial class DingTalkClient(
    HttpClient http,
    IOptions<DingTalkOptions> options,
    AccessTokenCache tokens,
    ApiRateLimiter limiter,
    TimeProvider clock,
    ILogger<DingTalkClient> logger,
    DingTalkUsage? usage = null) : IDingTalkClient
{
    public const int MaxUsersPerBatch = 20;
    private const string TokenHeader = "x-acs-dingtalk-access-token";
    // Chinese text as UTF-8, not \uXXXX escapes: several bodies have byte limits (work notification msg ≤ 2048 bytes).
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly DingTalkOptions _o = options.Value;

    public async Task<string> SendGroupMessageAsync(string openConversationId, RobotMessage message, CancellationToken ct)
    {
        var body = new GroupMessageRequest(_o.EffectiveRobotCode, openConversationId, message.MsgKey, message.MsgParam);
        var res = await NewApiAsync<GroupMessageResponse>("robot.groupMessages.send", HttpMethod.Post, "/v1.0/robot/groupMessages/send", body, ct);
        return res.ProcessQueryKey ?? "";
    }

    public async Task<UserMessagesResult> SendUserMessagesAsync(IReadOnlyList<string> userIds, RobotMessage message, CancellationToken ct)
    {
        List<string> keys = [], invalid = [], throttled = [];
        foreach (var chunk in userIds.Distinct(StringComparer.Ordinal).Chunk(MaxUsersPerBatch))
        {
            var body = new BatchSendRequest(_o.EffectiveRobotCode, chunk, message.MsgKey, message.MsgParam);
            var res = await NewApiAsync<BatchSendResponse>("robot.oToMessages.batchSend", HttpMethod.Post, "/v1.0/robot/oToMessages/batchSend", body, ct);
            if (res.ProcessQueryKey is { } key) keys.Add(key);
            invalid.AddRange(res.InvalidStaffIdList ?? []);
            throttled.AddRange(res.FlowControlledStaffIdList ?? []);
        }
        return new UserMessagesResult(keys, invalid, throttled);
    }

    public async Task<CardDeliveryResult> CreateAndDeliverCardAsync(CardDelivery card, CancellationToken ct)
    {
        var spaces = OpenSpaceId(card);
        var hasGroup = card.GroupOpenConversationId is not null;
        var hasRobot = card.RobotUserIds.Count > 0;
        var body = new CreateAndDeliverRequest
        {
            CardTemplateId = card.CardTemplateId,
            OutTrackId = card.OutTrackId,
            OpenSpaceId = spaces,
            CardData = new CardParams(card.CardParamMap),
            CallbackType = card.CallbackRouteKey is null ? "STREAM" : "HTTP",
            CallbackRouteKey = card.CallbackRouteKey,
            ImGroupOpenSpaceModel = hasGroup ? new OpenSpaceModel(SupportForward: false) : null,
            ImGroupOpenDeliverModel = hasGroup ? new GroupDeliverModel(_o.EffectiveRobotCode) : null,
            ImRobotOpenSpaceModel = hasRobot ? new OpenSpaceModel(SupportForward: false) : null,
            ImRobotOpenDeliverModel = hasRobot ? new RobotDeliverModel("IM_ROBOT", _o.EffectiveRobotCode) : null,
            PrivateData = CardParams.PerUser(card.PrivateData),
        };
        const string api = "card.instances.createAndDeliver";
        var res = await NewApiAsync<CardApiResponse<CreateAndDeliverResult>>(api, HttpMethod.Post, "/v1.0/card/instances/createAndDeliver", body, ct);
        return Spaces(api, res.Result?.OutTrackId ?? card.OutTrackId, res.Result?.DeliverResults);
    }

    public async Task<CardDeliveryResult> DeliverCardAsync(CardDelivery card, CancellationToken ct)
    {
        var body = new DeliverCardRequest
        {
            OutTrackId = card.OutTrackId,
            OpenSpaceId = OpenSpaceId(card),
            ImGroupOpenDeliverModel = card.GroupOpenConversationId is not null ? new GroupDeliverModel(_o.EffectiveRobotCode) : null,
            ImRobotOpenDeliverModel = card.RobotUserIds.Count > 0 ? new RobotDeliverModel("IM_ROBOT", _o.EffectiveRobotCode) : null,
        };
        const string api = "card.instances.deliver";
        var res = await NewApiAsync<CardApiResponse<List<DeliverResult>>>(api, HttpMethod.Post, "/v1.0/card/instances/deliver", body, ct);
        return Spaces(api, card.OutTrackId, res.Result);
    }

    private static string OpenSpaceId(CardDelivery card)
    {
        var keys = card.SpaceKeys;
        if (keys.Count == 0) throw new ArgumentException("A card needs a group or at least one user.", nameof(card));
        return "dtv1.card//" + string.Join(';', keys);
    }

    private CardDeliveryResult Spaces(string api, string outTrackId, IReadOnlyList<DeliverResult>? results)
    {
        var spaces = (results ?? [])
            .Select(r => new CardSpaceResult(r.SpaceType ?? "", r.SpaceId ?? "", r.Success, r.CarrierId, r.ErrorMsg))
            .ToList();
        foreach (var failed in spaces.Where(r => !r.Success))
            Log.SpaceFailed(logger, api, failed.SpaceType, failed.ErrorMsg ?? "");
        return new CardDeliveryResult(outTrackId, spaces);
    }

    public async Task UpdateCardAsync(CardUpdate update, CancellationToken ct)
    {
        var body = new UpdateCardRequest(update.OutTrackId, new CardParams(update.CardParamMap),
            new CardUpdateOptions(update.MergeByKey, update.MergeByKey), PrivateData: CardParams.PerUser(update.PrivateData));
        var res = await NewApiAsync<CardApiResponse<bool>>("card.instances.update", HttpMethod.Put, "/v1.0/card/instances", body, ct);
        if (!res.Success) throw new DingTalkApiException("card.updateFailed", "success=false", "card.instances.update", 200);
    }

    public async Task<CardCallbackRoute> RegisterCardCallbackAsync(
        string routeKey, string callbackUrl, string? apiSecret, bool forceUpdate, CancellationToken ct)
    {
        var body = new RegisterCardCallbackRequest(routeKey, callbackUrl, apiSecret, forceUpdate);
        var res = await NewApiAsync<CardApiResponse<CardCallbackRoute>>("card.callbacks.register", HttpMethod.Post, "/v1.0/card/callbacks/register", body, ct);
        return res.Result ?? new CardCallbackRoute(callbackUrl, apiSecret);
    }

    public async Task<long> SendWorkNotificationAsync(WorkNotification notification, CancellationToken ct)
    {
        var agent = _o.AgentId ?? throw new InvalidOperationException("DingTalk:AgentId is not configured.");
        var body = new WorkNotificationRequest(agent, string.Join(',', notification.UserIds), notification.Message);
        var res = await LegacyAsync<WorkNotificationResponse>("message.corpconversation.asyncsend_v2",
            "/topapi/message/corpconversation/asyncsend_v2", null, () => JsonContent.Create(body, options: Json), ct);
        return res.TaskId;
    }

    public async Task<DingTalkLoginUser> GetUserByAuthCodeAsync(string authCode, CancellationToken ct)
    {
        var res = await LegacyAsync<LegacyResult<DingTalkLoginUser>>("user.getuserinfo", "/topapi/v2/user/getuserinfo", null,
            () => JsonContent.Create(new AuthCodeRequest(authCode), options: Json), ct);
        return res.Result ?? throw Missing("user.getuserinfo");
    }

    public async Task<DingTalkUserDetail> GetUserAsync(string userId, CancellationToken ct)
    {
        var res = await LegacyAsync<LegacyResult<DingTalkUserDetail>>("user.get", "/topapi/v2/user/get", null,
            () => JsonContent.Create(new UserGetRequest(userId), options: Json), ct);
        return res.Result ?? throw Missing("user.get");
    }

    public async Task<IReadOnlyList<DingTalkDepartment>> ListSubDepartmentsAsync(long? parentDeptId, CancellationToken ct)
    {
        var res = await LegacyAsync<LegacyResult<List<DingTalkDepartment>>>("department.listsub", "/topapi/v2/department/listsub", null,
            () => JsonContent.Create(new ListSubDepartmentsRequest(parentDeptId), options: Json), ct);
        return res.Result ?? [];
    }

    public async Task<string> UploadMediaAsync(MediaUpload media, CancellationToken ct)
    {
        // C# clients get errcode 40004 unless `type` is on the URL as well as in the form (facts §8).
        var res = await LegacyAsync<MediaUploadResponse>("media.upload", "/media/upload", "type=" + Uri.EscapeDataString(media.Type), () =>
        {
            // Quoted part names and file name: some multipart parsers (Java's among them) do not accept bare tokens.
            var form = new MultipartFormDataContent();
            var type = new StringContent(media.Type);
            type.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"type\"" };
            form.Add(type);
            var file = new ReadOnlyMemoryContent(media.Content);
            file.Headers.ContentType = new MediaTypeHeaderValue(media.ContentType);
            file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
            {
                Name = "\"media\"",
                FileName = "\"" + media.FileName.Replace("\"", "", StringComparison.Ordinal) + "\"",
            };
            form.Add(file);
            return form;
        }, ct);
        return res.MediaId;
    }

    public Task<DingTalkTodo> CreateTodoAsync(string unionId, TodoCreate todo, CancellationToken ct) =>
        NewApiAsync<DingTalkTodo>("todo.tasks.create", HttpMethod.Post,
            $"/v1.0/todo/users/{Uri.EscapeDataString(unionId)}/tasks?operatorId={Uri.EscapeDataString(unionId)}", todo, ct);

    public async Task UpdateTodoAsync(string unionId, string taskId, TodoUpdate update, CancellationToken ct) =>
        await NewApiAsync<JsonElement>("todo.tasks.update", HttpMethod.Put,
            $"/v1.0/todo/users/{Uri.EscapeDataString(unionId)}/tasks/{Uri.EscapeDataString(taskId)}?operatorId={Uri.EscapeDataString(unionId)}", update, ct);

    // ---- plumbing ----------------------------------------------------------------------------------

    private Task<T> NewApiAsync<T>(string api, HttpMethod method, string pathAndQuery, object body, CancellationToken ct) =>
        CallAsync(api, token =>
        {
            var req = new HttpRequestMessage(method, Combine(_o.ApiBaseUrl, pathAndQuery))
            {
                Content = JsonContent.Create(body, body.GetType(), options: Json),
            };
            req.Headers.TryAddWithoutValidation(TokenHeader, token);
            return req;
        }, (res, c) => ReadNewApiAsync<T>(api, res, c), ct);

    private Task<T> LegacyAsync<T>(string api, string path, string? query, Func<HttpContent> content, CancellationToken ct) =>
        CallAsync(api, token =>
        {
            var q = "access_token=" + Uri.EscapeDataString(token) + (query is null ? "" : "&" + query);
            return new HttpRequestMessage(HttpMethod.Post, Combine(_o.LegacyBaseUrl, path + "?" + q)) { Content = content() };
        }, (res, c) => ReadLegacyAsync<T>(api, res, c), ct);

    private async Task<T> CallAsync<T>(
        string api, Func<string, HttpRequestMessage> build, Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        var refetched = false;
        for (var throttled = 0; ; )
        {
            var token = await tokens.GetAsync(FetchTokenAsync, ct);
            try
            {
                using var req = build(token);
                HttpResponseMessage res;
                using (await limiter.AcquireAsync(api, ct))
                {
                    if (usage is not null) await usage.CountAsync(api, ct);   // metered as it is sent (a retry is another call)
                    res = await http.SendAsync(req, HttpCompletionOption.ResponseContentRead, ct);
                }
                using (res)
                    return await read(res, ct);
            }
            catch (DingTalkApiException e) when (e.IsAuthError && !refetched)
            {
                Log.TokenRefused(logger, api, e.Code);
                tokens.Invalidate(token);
                refetched = true;
            }
            catch (DingTalkApiException e) when (e.IsThrottled && throttled < _o.ThrottleRetries)
            {
                throttled++;
                var delay = _o.ThrottleBackoff * throttled * (1 + Random.Shared.NextDouble() * 0.25);
                Log.Throttled(logger, api, e.Code, throttled, delay.TotalMilliseconds);
                await Task.Delay(delay, clock, ct);
            }
            catch (DingTalkApiException e)
            {
                Log.Failed(logger, api, e.Code, e.HttpStatus, e.RequestId);
                throw;
            }
        }
    }

    private async Task<AccessToken> FetchTokenAsync(CancellationToken ct)
    {
        const string api = "oauth2.accessToken";
        if (!_o.HasCredentials) throw new InvalidOperationException("DingTalk:AppKey and DingTalk:AppSecret are not configured.");
        var body = new AccessTokenRequest(_o.AppKey!, _o.AppSecret!);
        using var res = await http.PostAsJsonAsync(Combine(_o.ApiBaseUrl, "/v1.0/oauth2/accessToken"), body, Json, ct);
        var token = await ReadNewApiAsync<AccessTokenResponse>(api, res, ct);
        Log.TokenFetched(logger, token.ExpireIn);
        return new AccessToken(token.AccessToken, clock.GetUtcNow().AddSeconds(token.ExpireIn));
    }

    private static async Task<T> ReadNewApiAsync<T>(string api, HttpResponseMessage res, CancellationToken ct)
    {
        var text = await res.Content.ReadAsStringAsync(ct);
        var status = (int)res.StatusCode;
        if (!res.IsSuccessStatusCode)
        {
            NewApiError? error = null;
            try { error = JsonSerializer.Deserialize<NewApiError>(text, Json); }
            catch (JsonException) { }
            throw new DingTalkApiException(error?.Code ?? $"http.{status}", error?.Message ?? res.ReasonPhrase ?? "", api, status, error?.RequestId);
        }
        if (string.IsNullOrWhiteSpace(text)) return default!;
        try
        {
            return JsonSerializer.Deserialize<T>(text, Json)!;
        }
        catch (JsonException)
        {
            throw new DingTalkApiException("response.invalidJson", "The answer was not the expected JSON.", api, status);
        }
    }

    private static async Task<T> ReadLegacyAsync<T>(string api, HttpResponseMessage res, CancellationToken ct)
    {
        var text = await res.Content.ReadAsStringAsync(ct);
        var status = (int)res.StatusCode;
        LegacyStatus? envelope = null;
        try { envelope = JsonSerializer.Deserialize<LegacyStatus>(text, Json); }
        catch (JsonException) { }
        if (!res.IsSuccessStatusCode && envelope is null)
            throw new DingTalkApiException($"http.{status}", res.ReasonPhrase ?? "", api, status);
        if (envelope is null)
            throw new DingTalkApiException("response.invalidJson", "The answer was not the expected JSON.", api, status);
        if (envelope.ErrCode != 0 || !res.IsSuccessStatusCode)
        {
            var useSub = envelope.ErrCode == 88 && !string.IsNullOrEmpty(envelope.SubCode);
            var code = useSub ? envelope.SubCode! : envelope.ErrCode.ToString(CultureInfo.InvariantCulture);
            var message = useSub ? envelope.SubMsg ?? envelope.ErrMsg ?? "" : envelope.ErrMsg ?? "";
            throw new DingTalkApiException(code, message, api, status, envelope.RequestId, envelope.ErrCode);
        }
        return JsonSerializer.Deserialize<T>(text, Json)!;
    }

    private static DingTalkApiException Missing(string api) => new("response.missingResult", "The answer had no result.", api, 200);

    private static Uri Combine(string baseUrl, string pathAndQuery) => new(baseUrl.TrimEnd('/') + pathAndQuery);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "DingTalk access token fetched, valid {ExpireIn} s")]
        public static partial void TokenFetched(ILogger logger, int expireIn);

        [LoggerMessage(2, LogLevel.Information, "DingTalk {Api} refused the access token ({Code}); refetching once")]
        public static partial void TokenRefused(ILogger logger, string api, string code);

        [LoggerMessage(3, LogLevel.Warning, "DingTalk {Api} throttled ({Code}), retry {Attempt} in {DelayMs:F0} ms")]
        public static partial void Throttled(ILogger logger, string api, string code, int attempt, double delayMs);

        [LoggerMessage(4, LogLevel.Warning, "DingTalk {Api} failed: {Code} (HTTP {Status}, request {RequestId})")]
        public static partial void Failed(ILogger logger, string api, string code, int status, string? requestId);

        [LoggerMessage(5, LogLevel.Warning, "DingTalk {Api}: delivery to a {SpaceType} space failed: {Error}")]
        public static partial void SpaceFailed(ILogger logger, string api, string spaceType, string error);
    }
}
