using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Quartz;
using SchoolSafety.Bot.Jobs;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Bot;

/// <summary>Marker type naming this host's assembly (for WebApplicationFactory in tests).</summary>
public sealed class BotEntryPoint;

public static class BotSetup
{
    /// <summary>Quartz with the outbox job: clustered on MySQL in production, in memory in development.</summary>
    public static WebApplicationBuilder AddBot(this WebApplicationBuilder builder)
    {
        var bot = builder.Configuration.GetSection(BotOptions.Section).Get<BotOptions>() ?? new BotOptions();
        var outbox = builder.Configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>() ?? new OutboxOptions();
        var clustered = bot.ClusteredScheduler ?? builder.Environment.IsProduction();
        var run = bot.RunScheduler ?? !builder.Environment.IsEnvironment("Testing");

        builder.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = "schoolsafety-bot");
            if (clustered)
            {
                // Quartz's QRTZ_ tables live in the app database unless ConnectionStrings:Quartz names another one.
                var cs = builder.Configuration.GetConnectionString("Quartz") is { Length: > 0 } quartz
                    ? quartz
                    : builder.Configuration.GetConnectionString("SchoolSafety")
                      ?? throw new InvalidOperationException("ConnectionStrings:SchoolSafety is not configured.");
                q.UsePersistentStore(s =>
                {
                    s.UseMySqlConnector(cs);
                    s.UseClustering(c => c.CheckinInterval = TimeSpan.FromSeconds(10));
                    if (bot.ProvisionQuartzSchema) s.ProvisionSchema();
                });
            }
            else
            {
                q.UseInMemoryStore();
            }
            q.ScheduleJob<OutboxDispatchJob>(t => t
                .WithIdentity(OutboxDispatchJob.Identity)
                .StartNow()
                .WithSimpleSchedule(x => x.WithInterval(outbox.PollInterval).RepeatForever()));
            q.ScheduleJob<RetentionJob>(t => t
                .WithIdentity(RetentionJob.Identity)
                .StartAt(DateTimeOffset.UtcNow.AddMinutes(1))   // not in the middle of start-up
                .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));
        });
        builder.AddQuartzHostedService(o =>
        {
            o.AutoStart = run;
            o.WaitForJobsToComplete = true;
        });
        return builder;
    }

    public static WebApplication MapBot(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}
