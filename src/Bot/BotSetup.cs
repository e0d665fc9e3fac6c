using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace SchoolSafety.Bot;

/// <summary>Marker type naming this host's assembly (for WebApplicationFactory in tests).</summary>
public sealed class BotEntryPoint;

public static class BotSetup
{
    public static WebApplicationBuilder AddBot(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapBot(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}
