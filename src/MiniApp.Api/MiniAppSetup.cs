using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace SchoolSafety.MiniApp.Api;

/// <summary>Marker type naming this host's assembly (for WebApplicationFactory in tests).</summary>
public sealed class ApiEntryPoint;

public static class MiniAppSetup
{
    public static WebApplicationBuilder AddMiniAppApi(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapMiniAppApi(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}
