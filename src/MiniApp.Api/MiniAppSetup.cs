using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SchoolSafety.MiniApp.Api.Apis;
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

        services.AddOptions<LoginSessionOptions>().BindConfiguration(LoginSessionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
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
                    // Refresh tokens are not access tokens.
                    OnTokenValidated = c =>
                    {
                        if (c.Principal?.FindFirst(SessionTokens.KindClaim)?.Value != "access") c.Fail("not an access token");
                        return Task.CompletedTask;
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
        return builder;
    }

    public static WebApplication MapMiniAppApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapAuthApi();
        app.MapMeApi();
        app.MapCluesApi();
        app.MapPhotosApi();
        app.MapAuditApi();
        app.MapAdminApi();
        app.MapOperationsApi();
        app.MapSchoolsApi();
        app.MapWorkListApi();
        app.MapGuidanceApi();
        app.MapStatisticsApi();
        return app;
    }
}
