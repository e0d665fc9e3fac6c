using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Organisation;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record DingTalkLoginRequest(string? AuthCode);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record DevLoginRequest(string? DingTalkUserId);

/// <summary>
/// Login: the mini-app's DingTalk auth code (valid 5 minutes, once) is exchanged for the DingTalk
/// user, who must be one of our active users; we then issue our own session tokens.
/// </summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/auth").WithTags("Auth").AllowAnonymous();
        api.MapPost("/dingtalk", LoginWithDingTalkAsync);
        api.MapPost("/refresh", RefreshAsync);
        api.MapPost("/dev", DevLoginAsync);
        return api;
    }

    public static async Task<IResult> LoginWithDingTalkAsync(DingTalkLoginRequest req, IDingTalkClient dingTalk, MySqlDataSource db,
        OrganisationStore org, SessionTokens sessions, IOptions<DingTalkOptions> options, IHostEnvironment env, CancellationToken ct)
    {
        // Offline, the recording client takes the auth code for the user id: never in production, whatever the configuration.
        if (!options.Value.HasCredentials && env.IsProduction())
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "auth.dingtalk_not_configured", "钉钉登录尚未配置，请联系管理员");
        if (string.IsNullOrWhiteSpace(req.AuthCode) || req.AuthCode.Length > 200)
            return Problems.BadRequest("auth.code_required", "缺少钉钉免登授权码，请重新打开应用");
        DingTalkLoginUser dingUser;
        try
        {
            dingUser = await dingTalk.GetUserByAuthCodeAsync(req.AuthCode, ct);
        }
        catch (DingTalkApiException)
        {
            return Problems.Of(StatusCodes.Status401Unauthorized, "auth.code_invalid", "免登授权码无效或已过期，请重新打开小程序");
        }
        return await IssueForAsync(dingUser.UserId, db, org, sessions, ct);
    }

    public static async Task<IResult> RefreshAsync(RefreshRequest req, MySqlDataSource db, OrganisationStore org, SessionTokens sessions, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(req.RefreshToken) || await sessions.ValidateRefreshAsync(req.RefreshToken) is not { } userId)
            return Problems.Of(StatusCodes.Status401Unauthorized, "auth.refresh_invalid", "登录已过期，请重新登录");
        await using var conn = await db.OpenConnectionAsync(ct);
        var user = await org.ActiveUserAsync(conn, userId, ct);
        return user is null ? Deactivated() : TypedResults.Ok(sessions.Issue(user.Id, user.Name));
    }

    /// <summary>
    /// Development only: log in as a DingTalk user id, available only while no DingTalk credentials are configured (offline
    /// mode) and never in the Production environment (a production host missing its credentials must not let anyone be anyone).
    /// </summary>
    public static async Task<IResult> DevLoginAsync(DevLoginRequest req, IOptions<DingTalkOptions> dingTalk, IHostEnvironment env, MySqlDataSource db,
        OrganisationStore org, SessionTokens sessions, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(dingTalk.Value.AppKey) || env.IsProduction())
            return Problems.NotFound();
        if (string.IsNullOrWhiteSpace(req.DingTalkUserId))
            return Problems.BadRequest("auth.user_required", "请填写钉钉用户 ID");
        return await IssueForAsync(req.DingTalkUserId, db, org, sessions, ct);
    }

    private static async Task<IResult> IssueForAsync(string dingTalkUserId, MySqlDataSource db, OrganisationStore org, SessionTokens sessions, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await org.ActiveUserIdAsync(conn, dingTalkUserId, ct) is not { } id || await org.ActiveUserAsync(conn, id, ct) is not { } user)
            return Deactivated();
        return TypedResults.Ok(sessions.Issue(user.Id, user.Name));
    }

    private static IResult Deactivated() =>
        Problems.Of(StatusCodes.Status403Forbidden, "auth.not_enrolled", "您的账号未开通或已停用，请联系本单位联络员");
}
