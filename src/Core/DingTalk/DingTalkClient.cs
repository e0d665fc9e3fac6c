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
    public const int MaxUsersPerBatch = DingTalkRequests.MaxUsersPerBatch;
    private const string TokenHeader = "x-acs-dingtalk-access-token";
    private static readonly JsonSerializerOptions Json = DingTalkRequests.Json;

    private readonly DingTalkOptions _o = options.Value;

    public async Task<string> SendGroupMessageAsync(string openConversationId, RobotMessage message, CancellationToken ct)
    {
        var res = await SendAsync<GroupMessageResponse>(DingTalkRequests.GroupMessage(_o.EffectiveRobotCode, openConversationId, message), ct);
        return res.ProcessQueryKey ?? "";
    }

    public async Task<UserMessagesResult> SendUserMessagesAsync(IReadOnlyList<string> userIds, RobotMessage message, CancellationToken ct)
    {
        List<string> keys = [], invalid = [], throttled = [];
        foreach (var request in DingTalkRequests.UserMessages(_o.EffectiveRobotCode, userIds, message))
        {
            var res = await SendAsync<BatchSendResponse>(request, ct);
            if (res.ProcessQueryKey is { } key) keys.Add(key);
            invalid.AddRange(res.InvalidStaffIdList ?? []);
            throttled.AddRange(res.FlowControlledStaffIdList ?? []);
        }
        return new UserMessagesResult(keys, invalid, throttled);
    }

    public async Task<CardDeliveryResult> CreateAndDeliverCardAsync(CardDelivery card, CancellationToken ct)
    {
        var request = DingTalkRequests.CreateAndDeliverCard(_o.EffectiveRobotCode, card);
        var res = await SendAsync<CardApiResponse<CreateAndDeliverResult>>(request, ct);
        return Spaces(request.Api, res.Result?.OutTrackId ?? card.OutTrackId, res.Result?.DeliverResults);
    }

    public async Task<CardDeliveryResult> DeliverCardAsync(CardDelivery card, CancellationToken ct)
    {
        var request = DingTalkRequests.DeliverCard(_o.EffectiveRobotCode, card);
        var res = await SendAsync<CardApiResponse<List<DeliverResult>>>(request, ct);
        return Spaces(request.Api, card.OutTrackId, res.Result);
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
        var res = await SendAsync<CardApiResponse<bool>>(DingTalkRequests.UpdateCard(update), ct);
        if (!res.Success) throw new DingTalkApiException("card.updateFailed", "success=false", "card.instances.update", 200);
    }

    public async Task<CardCallbackRoute> RegisterCardCallbackAsync(
        string routeKey, string callbackUrl, string? apiSecret, bool forceUpdate, CancellationToken ct)
    {
        var res = await SendAsync<CardApiResponse<CardCallbackRoute>>(DingTalkRequests.RegisterCardCallback(routeKey, callbackUrl, apiSecret, forceUpdate), ct);
        return res.Result ?? new CardCallbackRoute(callbackUrl, apiSecret);
    }

    public async Task<long> SendWorkNotificationAsync(WorkNotification notification, CancellationToken ct)
    {
        var agent = _o.AgentId ?? throw new InvalidOperationException("DingTalk:AgentId is not configured.");
        var res = await SendAsync<WorkNotificationResponse>(DingTalkRequests.WorkNotification(agent, notification), ct);
        return res.TaskId;
    }

    public async Task<DingTalkLoginUser> GetUserByAuthCodeAsync(string authCode, CancellationToken ct)
    {
        var res = await SendAsync<LegacyResult<DingTalkLoginUser>>(DingTalkRequests.UserByAuthCode(authCode), ct);
        return res.Result ?? throw Missing("user.getuserinfo");
    }

    public async Task<DingTalkUserDetail> GetUserAsync(string userId, CancellationToken ct)
    {
        var res = await SendAsync<LegacyResult<DingTalkUserDetail>>(DingTalkRequests.User(userId), ct);
        return res.Result ?? throw Missing("user.get");
    }

    public async Task<IReadOnlyList<DingTalkDepartment>> ListSubDepartmentsAsync(long? parentDeptId, CancellationToken ct)
    {
        var res = await SendAsync<LegacyResult<List<DingTalkDepartment>>>(DingTalkRequests.SubDepartments(parentDeptId), ct);
        return res.Result ?? [];
    }

    public async Task<string> UploadMediaAsync(MediaUpload media, CancellationToken ct) =>
        (await SendAsync<MediaUploadResponse>(DingTalkRequests.Media(media), ct)).MediaId;

    public Task<DingTalkTodo> CreateTodoAsync(string unionId, TodoCreate todo, CancellationToken ct) =>
        SendAsync<DingTalkTodo>(DingTalkRequests.CreateTodo(unionId, todo), ct);

    public async Task UpdateTodoAsync(string unionId, string taskId, TodoUpdate update, CancellationToken ct) =>
        await SendAsync<JsonElement>(DingTalkRequests.UpdateTodo(unionId, taskId, update), ct);

    public Task<DingTalkTodo> GetTodoBySourceIdAsync(string unionId, string sourceId, CancellationToken ct) =>
        SendAsync<DingTalkTodo>(DingTalkRequests.TodoBySourceId(unionId, sourceId), ct);

    // ---- plumbing ----------------------------------------------------------------------------------

    /// <summary>Sends one request: the new API with the token in a header, the legacy API with it on the URL.</summary>
    private Task<T> SendAsync<T>(DingTalkRequest r, CancellationToken ct) => r.Family == DingTalkApiFamily.New
        ? CallAsync(r.Api, token =>
        {
            var req = new HttpRequestMessage(r.Method, Combine(_o.ApiBaseUrl, r.PathAndQuery)) { Content = r.Body is DingTalkRequests.NoBody ? null : Content(r.Body) };
            req.Headers.TryAddWithoutValidation(TokenHeader, token);
            return req;
        }, (res, c) => ReadNewApiAsync<T>(r.Api, res, c), ct)
        : CallAsync(r.Api, token =>
        {
            var (path, query) = r.PathAndQuery.IndexOf('?') is var q and >= 0 ? (r.PathAndQuery[..q], "&" + r.PathAndQuery[(q + 1)..]) : (r.PathAndQuery, "");
            return new HttpRequestMessage(r.Method, Combine(_o.LegacyBaseUrl, path + "?access_token=" + Uri.EscapeDataString(token) + query)) { Content = Content(r.Body) };
        }, (res, c) => ReadLegacyAsync<T>(r.Api, res, c), ct);

    private static HttpContent Content(object body)
    {
        if (body is not MediaUpload media) return JsonContent.Create(body, body.GetType(), options: Json);
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
    }

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
