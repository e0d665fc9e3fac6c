using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api;

/// <summary>What an endpoint is, for the rate limiter: login, upload, report or action (urges among them).</summary>
public sealed record RateLimited(string Kind)
{
    public const string Login = "login";
    public const string Upload = "upload";
    public const string Report = "report";
    public const string Action = "action";
}

/// <summary>
/// Section <c>RateLimits</c>: requests allowed per <see cref="Window"/> for each kind of endpoint, per signed-in person and
/// per client address (the address as the host sees it: behind a proxy, configure forwarded headers first).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Logins and refreshes per address (a school's staff may share one address).</summary>
    [Range(1, int.MaxValue)] public int LoginPerAddress { get; set; } = 60;
    [Range(1, int.MaxValue)] public int UploadsPerUser { get; set; } = 30;
    [Range(1, int.MaxValue)] public int UploadsPerAddress { get; set; } = 300;
    [Range(1, int.MaxValue)] public int ReportsPerUser { get; set; } = 10;
    [Range(1, int.MaxValue)] public int ReportsPerAddress { get; set; } = 100;
    /// <summary>Clue actions, urges among them (each urge sends a notice).</summary>
    [Range(1, int.MaxValue)] public int ActionsPerUser { get; set; } = 30;
    [Range(1, int.MaxValue)] public int ActionsPerAddress { get; set; } = 300;

    public int? PerUser(string kind) => kind switch
    {
        RateLimited.Upload => UploadsPerUser, RateLimited.Report => ReportsPerUser, RateLimited.Action => ActionsPerUser, _ => null,
    };

    public int PerAddress(string kind) => kind switch
    {
        RateLimited.Login => LoginPerAddress, RateLimited.Upload => UploadsPerAddress, RateLimited.Report => ReportsPerAddress, _ => ActionsPerAddress,
    };
}

/// <summary>
/// ASP.NET Core's rate limiter over the endpoints marked <see cref="RateLimited"/>: a fixed window per person and one per
/// address, both must allow; a refusal is a 429 ProblemDetails in Chinese with <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddMiniAppRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var o = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(r =>
        {
            r.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(c => Kind(c) is { } kind
                    ? RateLimitPartition.GetFixedWindowLimiter($"{kind}:ip:{c.Connection.RemoteIpAddress}", _ => Window(o, o.PerAddress(kind)))
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(c => Kind(c) is { } kind && o.PerUser(kind) is { } limit
                    && c.User.FindFirst(SessionTokens.UserIdClaim)?.Value is { } uid
                    ? RateLimitPartition.GetFixedWindowLimiter($"{kind}:user:{uid}", _ => Window(o, limit))
                    : RateLimitPartition.GetNoLimiter("")));
            r.OnRejected = async (context, ct) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problems.Of(StatusCodes.Status429TooManyRequests, "rate.limited", "操作过于频繁，请稍后再试").ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    private static string? Kind(HttpContext c) => c.GetEndpoint()?.Metadata.GetMetadata<RateLimited>()?.Kind;

    private static FixedWindowRateLimiterOptions Window(RateLimitOptions o, int permits) =>
        new() { PermitLimit = permits, Window = o.Window, QueueLimit = 0, AutoReplenishment = true };
}
