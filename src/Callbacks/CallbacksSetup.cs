using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SchoolSafety.Callbacks.Simulator;
using SchoolSafety.Core.DingTalk.Stream;
using SchoolSafety.Core.Grid;
using SchoolSafety.Core.Inbox;

namespace SchoolSafety.Callbacks;

/// <summary>Marker type naming this host's assembly (for WebApplicationFactory in tests).</summary>
public sealed class CallbacksEntryPoint;

public static class CallbacksSetup
{
    public static WebApplicationBuilder AddCallbacks(this WebApplicationBuilder builder)
    {
        builder.Services.AddEventInbox();
        builder.Services.AddHostedService<InboxWorker>();
        builder.Services.AddDingTalkStream();
        builder.Services.AddHostedService<StreamWorker>();
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddSingleton<FourPlatformsSimulator>();
            builder.Services.AddHttpClient(FourPlatformsSimulator.HttpClientName);
        }
        return builder;
    }

    public static WebApplication MapCallbacks(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapDingTalkEvents();
        app.MapCardCallbacks();
        app.MapRobot();
        app.MapFourPlatforms();
        app.MapFourPlatformsSimulator(app.Environment, app.Services.GetRequiredService<IOptions<GridOptions>>());
        return app;
    }
}
