using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Quartz;
using SchoolSafety.Bot.Jobs;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Bot;

/// <summary>Marker type naming this host's assembly (for WebApplicationFactory in tests).</summary>
public sealed class BotEntryPoint;

public static class BotSetup
{
    /// <summary>
    /// Quartz clustered on MySQL in every environment (any number of Bots share one schedule; each firing runs on one of
    /// them), with its QRTZ_ tables created by Quartz itself before the scheduler starts, and the jobs.
    /// </summary>
    public static WebApplicationBuilder AddBot(this WebApplicationBuilder builder)
    {
        var bot = builder.Configuration.GetSection(BotOptions.Section).Get<BotOptions>() ?? new BotOptions();
        var outbox = builder.Configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>() ?? new OutboxOptions();
        var schedule = builder.Configuration.GetSection(ScheduleOptions.Section).Get<ScheduleOptions>() ?? new ScheduleOptions();
        var run = bot.RunScheduler ?? !builder.Environment.IsEnvironment("Testing");
        // Quartz's QRTZ_ tables live in the app database unless ConnectionStrings:Quartz names another one.
        var cs = builder.Configuration.GetConnectionString("Quartz") is { Length: > 0 } quartz
            ? quartz
            : builder.Configuration.GetConnectionString("SchoolSafety")
              ?? throw new InvalidOperationException("ConnectionStrings:SchoolSafety is not configured.");
        var china = TimeZoneInfo.FindSystemTimeZoneById(ScheduleOptions.TimeZoneId);

        builder.Services.Configure<QuartzStoreConnection>(o => o.ConnectionString = cs);
        builder.Services.AddHostedService<QuartzSchemaGate>();
        builder.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = "schoolsafety-bot";
                if (bot.InstanceId is { Length: > 0 } id) o.InstanceId = id;
            });
            q.UsePersistentStore(s =>
            {
                s.UseMySqlConnector(cs);
                s.UseSystemTextJsonSerializer();
                s.UseClustering(c =>
                {
                    c.CheckinInterval = bot.CheckinInterval;
                    c.CheckinMisfireThreshold = bot.CheckinMisfireThreshold;
                });
                s.ProvisionSchema();
            });
            // Every PollInterval from one interval after start (a backlog waits one interval after a restart).
            q.ScheduleJob<OutboxDispatchJob>(t => t
                .WithIdentity(OutboxDispatchJob.Identity)
                .StartAt(DateTimeOffset.UtcNow + outbox.PollInterval)
                .WithSimpleSchedule(x => x.WithInterval(outbox.PollInterval).RepeatForever()));
            // Recovery: a firing whose Bot died mid-run is run again by another Bot; both jobs are idempotent in the database.
            q.ScheduleJob<ReminderJob>(
                t => t.WithIdentity(ReminderJob.Identity).WithCronSchedule(schedule.ReminderCron, c => c.InTimeZone(china)),
                j => j.RequestRecovery());
            q.ScheduleJob<DailyDigestJob>(
                t => t.WithIdentity(DailyDigestJob.Identity).WithCronSchedule(schedule.DigestCron, c => c.InTimeZone(china)),
                j => j.RequestRecovery());
            q.ScheduleJob<RetentionJob>(t => t
                .WithIdentity(RetentionJob.Identity)
                .StartAt(DateTimeOffset.UtcNow.AddMinutes(1))   // not in the middle of start-up
                .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));
            q.ScheduleJob<RatingExpiryJob>(t => t
                .WithIdentity(RatingExpiryJob.Identity)
                .StartAt(DateTimeOffset.UtcNow.AddMinutes(2))
                .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromHours(1)).RepeatForever()),
                j => j.RequestRecovery());
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
