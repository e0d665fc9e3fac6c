using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.MiniApp.Api.Auth;

public sealed class LoginSessionOptions
{
    public const string Section = "MiniApp:Session";

    /// <summary>The HMAC key that signs our session tokens (at least 32 characters; keep it secret).</summary>
    [Required, MinLength(32)] public string SigningKey { get; set; } = "";

    public TimeSpan AccessLifetime { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan RefreshLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The key committed in appsettings.Development.json: refused outside Development and Testing.</summary>
    public const string DevelopmentKey = "development-only-key-never-use-in-production-0123456789";

    public const string Issuer = "schoolsafety";
    public const string Audience = "schoolsafety-miniapp";

    public SymmetricSecurityKey CreateKey() => new(Encoding.UTF8.GetBytes(SigningKey));
}

/// <summary>The outcome of a refresh: new tokens, or why not.</summary>
public sealed record RefreshOutcome(RefreshCheck Check, long UserId = 0, string? SessionId = null, string? NextJti = null);

/// <summary>
/// Our own short-lived signed session tokens (an access token and a refresh token), issued after DingTalk login. Each
/// login is a row of <see cref="LoginSessionStore"/>: both tokens name it (<c>sid</c>); the refresh token is used once and
/// replaced, and a second use of an old one ends the login.
/// </summary>
public sealed class SessionTokens(IOptions<LoginSessionOptions> options, LoginSessionStore logins, TimeProvider clock)
{
    public const string UserIdClaim = "uid";
    public const string KindClaim = "kind";
    public const string SessionClaim = "sid";
    private readonly JsonWebTokenHandler handler = new();

    /// <summary>A new login for this person.</summary>
    public async Task<SessionResponse> IssueAsync(long userId, string name, CancellationToken ct)
    {
        var sessionId = NewId();
        var jti = NewId();
        var now = clock.GetUtcNow().UtcDateTime;
        await logins.StartAsync(sessionId, userId, jti, now + options.Value.RefreshLifetime, ct);
        return Issue(userId, name, sessionId, jti, now);
    }

    /// <summary>The tokens after a rotation (<see cref="RefreshAsync"/>).</summary>
    public SessionResponse Reissue(RefreshOutcome rotated, string name) =>
        Issue(rotated.UserId, name, rotated.SessionId!, rotated.NextJti!, clock.GetUtcNow().UtcDateTime);

    private SessionResponse Issue(long userId, string name, string sessionId, string refreshJti, DateTime now)
    {
        var o = options.Value;
        return new SessionResponse(
            Create(userId, name, "access", sessionId, NewId(), now, o.AccessLifetime), (int)o.AccessLifetime.TotalSeconds,
            Create(userId, name, "refresh", sessionId, refreshJti, now, o.RefreshLifetime), name);
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private string Create(long userId, string name, string kind, string sessionId, string jti, DateTime now, TimeSpan lifetime) =>
        handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = LoginSessionOptions.Issuer,
            Audience = LoginSessionOptions.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Subject = new ClaimsIdentity([
                new Claim(UserIdClaim, userId.ToString()), new Claim(KindClaim, kind), new Claim("name", name),
                new Claim(SessionClaim, sessionId), new Claim(JwtRegisteredClaimNames.Jti, jti)]),
            SigningCredentials = new SigningCredentials(options.Value.CreateKey(), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>Checks a refresh token and, when it is the login's current one, rotates it (the caller then <see cref="Reissue"/>s).</summary>
    public async Task<RefreshOutcome> RefreshAsync(string token, CancellationToken ct)
    {
        var result = await handler.ValidateTokenAsync(token, Parameters(options.Value, clock));
        if (!result.IsValid || Claim(result, KindClaim) != "refresh" || !long.TryParse(Claim(result, UserIdClaim), out var userId)
            || Claim(result, SessionClaim) is not { Length: > 0 } sessionId || Claim(result, JwtRegisteredClaimNames.Jti) is not { Length: > 0 } jti)
            return new RefreshOutcome(RefreshCheck.Invalid);
        var next = NewId();
        var check = await logins.RotateAsync(sessionId, userId, jti, next, clock.GetUtcNow().UtcDateTime + options.Value.RefreshLifetime, ct);
        return new RefreshOutcome(check, userId, sessionId, next);
    }

    private static string? Claim(TokenValidationResult r, string name) => r.Claims.TryGetValue(name, out var v) ? v as string : null;

    public static TokenValidationParameters Parameters(LoginSessionOptions o, TimeProvider clock) => new()
    {
        ValidIssuer = LoginSessionOptions.Issuer,
        ValidAudience = LoginSessionOptions.Audience,
        IssuerSigningKey = o.CreateKey(),
        ClockSkew = TimeSpan.FromSeconds(30),
        LifetimeValidator = (notBefore, expires, _, _) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            return (notBefore is null || notBefore <= now.AddSeconds(30)) && expires is { } e && e > now.AddSeconds(-30);
        },
        NameClaimType = "name",
    };
}

public sealed record SessionResponse(string AccessToken, int ExpiresIn, string RefreshToken, string Name);

public static class CurrentUser
{
    /// <summary>Our user id from an access token (the authorization policy guarantees it is there).</summary>
    public static long UserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(SessionTokens.UserIdClaim) ?? throw new InvalidOperationException("No user id claim."));

    /// <summary>The login an access token belongs to.</summary>
    public static string SessionId(this ClaimsPrincipal user) =>
        user.FindFirstValue(SessionTokens.SessionClaim) ?? throw new InvalidOperationException("No session claim.");
}
