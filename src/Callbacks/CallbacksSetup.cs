using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SchoolSafety.Callbacks.Simulator;
using SchoolSafety.Core;
using SchoolSafety.Core.DingTalk;
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
        // Over HTTP, pushes and clicks are verified with the subscription's and the card route's secrets: a deployment
        // without them would refuse every callback (or, worse, be configured later by guesswork). Stream mode needs none.
        if (!builder.Environment.AllowsOfflineShortcuts())
            builder.Services.AddOptions<DingTalkOptions>()
                .Validate<IOptions<StreamOptions>>((o, stream) => stream.Value.Enabled
                    || (o.CallbackSecrets is not null && !string.IsNullOrWhiteSpace(o.CardCallbackSecret)),
                    "DingTalk:CallbackToken, DingTalk:CallbackAesKey and DingTalk:CardCallbackSecret must be configured outside Development and Testing (or DingTalk:Stream:Enabled=true).");
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddSingleton<FourPlatformsSimulator>();
            builder.Services.AddHttpClient(FourPlatformsSimulator.HttpClientName);
            builder.Services.AddDingTalkSimulator();
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
        app.MapDingTalkSimulator();
        app.MapRecordedDingTalkCalls(app.Environment);
        return app;
    }
}
