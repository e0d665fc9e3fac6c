using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Organisation;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record DingTalkLoginRequest(string? AuthCode);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record DevLoginRequest(string? DingTalkUserId);

/// <summary>What the login page needs: DingTalk's corpId and clientId (the AppKey) for the free login, and whether the offline login exists.</summary>
public sealed record LoginConfig(string? CorpId, string? ClientId, bool DevLogin);

/// <summary>A person to log in as on the offline login page: one row per role, grouped for the page by <c>group</c>.</summary>
public sealed record DevPerson(string DingTalkUserId, string Name, string Group, string RoleZh, string? Place);

/// <summary>
/// Login: the mini-app's DingTalk auth code (valid 5 minutes, once) is exchanged for the DingTalk
/// user, who must be one of our active users; we then issue our own session tokens.
/// </summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/auth").WithTags("Auth").AllowAnonymous();
        var login = new RateLimited(RateLimited.Login);
        api.MapPost("/dingtalk", LoginWithDingTalkAsync).WithMetadata(login);
        api.MapPost("/refresh", RefreshAsync).WithMetadata(login);
        api.MapPost("/logout", LogoutAsync).RequireAuthorization();
        api.MapGet("/config", (IOptions<DingTalkOptions> dingTalk, IHostEnvironment env) =>
            TypedResults.Ok(new LoginConfig(dingTalk.Value.CorpId, dingTalk.Value.AppKey, DevLoginExists(dingTalk.Value, env))));
        // The development login (and its page's list of people) exists only in Development and Testing: elsewhere the routes are absent.
        if (app.ServiceProvider.GetRequiredService<IHostEnvironment>().AllowsOfflineShortcuts())
        {
            api.MapPost("/dev", DevLoginAsync).WithMetadata(login);
            api.MapGet("/dev/people", DevPeopleAsync);
        }
        return api;
    }

    public static async Task<IResult> LoginWithDingTalkAsync(DingTalkLoginRequest req, IDingTalkClient dingTalk, MySqlDataSource db,
        OrganisationStore org, SessionTokens sessions, IOptions<DingTalkOptions> options, IHostEnvironment env, CancellationToken ct)
    {
        // Offline, the recording client takes the auth code for the user id: only in Development and Testing (elsewhere the
        // host does not start without credentials; this is the second lock).
        if (!options.Value.HasCredentials && !env.AllowsOfflineShortcuts())
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

    /// <summary>A new pair for the refresh token; the refresh token is used up. An old one presented again ends the login.</summary>
    public static async Task<IResult> RefreshAsync(RefreshRequest req, MySqlDataSource db, OrganisationStore org, SessionTokens sessions, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(req.RefreshToken) || req.RefreshToken.Length > 4000)
            return Problems.Of(StatusCodes.Status401Unauthorized, "auth.refresh_invalid", "登录已过期，请重新登录");
        var outcome = await sessions.RefreshAsync(req.RefreshToken, ct);
        switch (outcome.Check)
        {
            case RefreshCheck.Invalid:
                return Problems.Of(StatusCodes.Status401Unauthorized, "auth.refresh_invalid", "登录已过期，请重新登录");
            case RefreshCheck.Reused:
                return Problems.Of(StatusCodes.Status401Unauthorized, "auth.refresh_reused", "登录凭据已在别处使用，为安全起见已退出登录，请重新登录");
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        var user = await org.ActiveUserAsync(conn, outcome.UserId, ct);
        return user is null ? Deactivated() : TypedResults.Ok(sessions.Reissue(outcome, user.Name));
    }

    /// <summary>Ends this login: its access token and refresh token stop working at once.</summary>
    public static async Task<IResult> LogoutAsync(System.Security.Claims.ClaimsPrincipal principal, LoginSessionStore logins, CancellationToken ct)
    {
        await logins.EndAsync(principal.SessionId(), principal.UserId(), ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Development only: log in as a DingTalk user id, available only in Development and Testing and only while no DingTalk
    /// credentials are configured (offline mode): a deployed host, whatever its configuration, must not let anyone be anyone.
    /// </summary>
    public static async Task<IResult> DevLoginAsync(DevLoginRequest req, IOptions<DingTalkOptions> dingTalk, IHostEnvironment env, MySqlDataSource db,
        OrganisationStore org, SessionTokens sessions, CancellationToken ct)
    {
        if (!DevLoginExists(dingTalk.Value, env))
            return Problems.NotFound();
        if (string.IsNullOrWhiteSpace(req.DingTalkUserId))
            return Problems.BadRequest("auth.user_required", "请填写钉钉用户 ID");
        return await IssueForAsync(req.DingTalkUserId, db, org, sessions, ct);
    }

    /// <summary>The people the offline login page offers, by role; exists exactly where the development login does.</summary>
    public static async Task<IResult> DevPeopleAsync(IOptions<DingTalkOptions> dingTalk, IHostEnvironment env, MySqlDataSource db, OrganisationStore org, CancellationToken ct)
    {
        if (!DevLoginExists(dingTalk.Value, env))
            return Problems.NotFound();
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await org.LoginPeopleAsync(conn, 2000, ct);
        return TypedResults.Ok(rows.Select(r => new DevPerson(r.DingTalkUserId, r.Name, LoginPeople.GroupOf(r), LoginPeople.RoleZh(r), r.Place))
            .OrderBy(p => Array.IndexOf(LoginPeople.Groups, p.Group)).ThenBy(p => p.Place, StringComparer.Ordinal).ThenBy(p => p.DingTalkUserId, StringComparer.Ordinal).ToList());
    }

    private static bool DevLoginExists(DingTalkOptions dingTalk, IHostEnvironment env) => string.IsNullOrEmpty(dingTalk.AppKey) && env.AllowsOfflineShortcuts();

    private static async Task<IResult> IssueForAsync(string dingTalkUserId, MySqlDataSource db, OrganisationStore org, SessionTokens sessions, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await org.ActiveUserIdAsync(conn, dingTalkUserId, ct) is not { } id || await org.ActiveUserAsync(conn, id, ct) is not { } user)
            return Deactivated();
        return TypedResults.Ok(await sessions.IssueAsync(user.Id, user.Name, ct));
    }

    private static IResult Deactivated() =>
        Problems.Of(StatusCodes.Status403Forbidden, "auth.not_enrolled", "您的账号未开通或已停用，请联系本单位联络员");
}
