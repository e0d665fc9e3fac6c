using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

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

/// <summary>Our own short-lived signed session tokens (an access token and a refresh token), issued after DingTalk login.</summary>
public sealed class SessionTokens(IOptions<LoginSessionOptions> options, TimeProvider clock)
{
    public const string UserIdClaim = "uid";
    public const string KindClaim = "kind";
    private readonly JsonWebTokenHandler handler = new();

    public SessionResponse Issue(long userId, string name)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var o = options.Value;
        return new SessionResponse(
            Create(userId, name, "access", now, o.AccessLifetime), (int)o.AccessLifetime.TotalSeconds,
            Create(userId, name, "refresh", now, o.RefreshLifetime), name);
    }

    private string Create(long userId, string name, string kind, DateTime now, TimeSpan lifetime) =>
        handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = LoginSessionOptions.Issuer,
            Audience = LoginSessionOptions.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Subject = new ClaimsIdentity([new Claim(UserIdClaim, userId.ToString()), new Claim(KindClaim, kind), new Claim("name", name)]),
            SigningCredentials = new SigningCredentials(options.Value.CreateKey(), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>The user id of a valid, unexpired refresh token; null otherwise.</summary>
    public async Task<long?> ValidateRefreshAsync(string token)
    {
        var result = await handler.ValidateTokenAsync(token, Parameters(options.Value, clock));
        return result.IsValid && result.Claims.TryGetValue(KindClaim, out var kind) && (string)kind == "refresh"
            && result.Claims.TryGetValue(UserIdClaim, out var uid) && long.TryParse((string)uid, out var id) ? id : null;
    }

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
}
