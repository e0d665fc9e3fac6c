using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SchoolSafety.MiniApp.Api.Apis;
using SchoolSafety.Core;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api;

/// <summary>Marker type naming this host's assembly (for WebApplicationFactory in tests).</summary>
public sealed class ApiEntryPoint;

public static class MiniAppSetup
{
    public static WebApplicationBuilder AddMiniAppApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails();
        // Chinese stays readable; <, >, &, ' and " are escaped, so text people typed is never markup where it is shown.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder =
            System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All));
        services.AddExceptionHandler<UnexpectedErrorHandler>();
        services.AddOpenApi("v1");

        var offlineAllowed = builder.Environment.AllowsOfflineShortcuts();
        services.AddOptions<LoginSessionOptions>().BindConfiguration(LoginSessionOptions.Section).ValidateDataAnnotations()
            .Validate(o => offlineAllowed || o.SigningKey != LoginSessionOptions.DevelopmentKey,
                "MiniApp:Session:SigningKey is the committed development key: configure a secret one outside Development and Testing.")
            .ValidateOnStart();
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<SchoolSafety.MiniApp.Api.Photos.PhotoLinks>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<LoginSessionOptions>, TimeProvider>((jwt, session, clock) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = SessionTokens.Parameters(session.Value, clock);
                jwt.Events = new JwtBearerEvents
                {
                    // Refresh tokens are not access tokens; and an access token counts only while its login is live and its
                    // person active (a deactivated account or a logout stops it at once, not after its 30 minutes).
                    OnTokenValidated = async c =>
                    {
                        var p = c.Principal;
                        if (p?.FindFirst(SessionTokens.KindClaim)?.Value != "access"
                            || !long.TryParse(p.FindFirst(SessionTokens.UserIdClaim)?.Value, out var userId)
                            || p.FindFirst(SessionTokens.SessionClaim)?.Value is not { Length: > 0 } sid)
                        {
                            c.Fail("not an access token");
                            return;
                        }
                        if (!await c.HttpContext.RequestServices.GetRequiredService<SchoolSafety.Core.Organisation.LoginSessionStore>()
                                .IsLiveAsync(sid, userId, c.HttpContext.RequestAborted))
                            c.Fail("the login has ended or the account is deactivated");
                    },
                    OnChallenge = async c =>
                    {
                        c.HandleResponse();
                        await Problems.Of(StatusCodes.Status401Unauthorized, "auth.required", "请先登录").ExecuteAsync(c.HttpContext);
                    },
                    OnForbidden = c => Problems.Forbidden().ExecuteAsync(c.HttpContext),
                };
            });
        services.AddAuthorization();
        services.AddMiniAppRateLimits(builder.Configuration);
        return builder;
    }

    public static WebApplication MapMiniAppApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();   // after authentication: limits count per person as well as per address
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        // The API's map is for developers: public only in Development and Testing, for signed-in people elsewhere.
        var openApi = app.MapOpenApi("/openapi/{documentName}.json");
        if (!app.Environment.AllowsOfflineShortcuts()) openApi.RequireAuthorization();
        app.MapAuthApi();
        app.MapMeApi();
        app.MapCluesApi();
        app.MapPhotosApi();
        app.MapAuditApi();
        app.MapAdminApi();
        app.MapSchoolsApi();
        app.MapWorkListApi();
        app.MapGuidanceApi();
        app.MapStatisticsApi();
        return app;
    }
}
