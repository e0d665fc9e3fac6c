using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MySqlConnector;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Exchange;
using SchoolSafety.Core.Grid;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Photos;
using SchoolSafety.Core.Reminders;
using SchoolSafety.Core.Startup;
using SchoolSafety.Core.Todos;

namespace SchoolSafety.Core;

public static class CoreSetup
{
    /// <summary>
    /// Registers what every host needs: the MySQL data source, the schema migrator (run at
    /// start-up), the clue lifecycle and its stores, the working-day calendar and health checks.
    /// </summary>
    public static IHostApplicationBuilder AddSchoolSafetyCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // A local run or a cluster test may start the clock at a set China time (never in Production): docs/operations.md.
        if (builder.Configuration["SchoolSafety:ClockStart"] is { Length: > 0 } start && !builder.Environment.IsProduction())
            services.TryAddSingleton<TimeProvider>(new ShiftedClock(ChinaTime.ToUtc(DateTime.Parse(start, System.Globalization.CultureInfo.InvariantCulture))));
        services.TryAddSingleton(TimeProvider.System);
        static string ConnectionString(IServiceProvider sp) =>
            sp.GetRequiredService<IConfiguration>().GetConnectionString("SchoolSafety") is { } cs && !string.IsNullOrWhiteSpace(cs)
                ? cs : throw new InvalidOperationException("ConnectionStrings:SchoolSafety is not configured.");
        services.AddSingleton(sp => new MySqlDataSource(Db.Normalise(ConnectionString(sp))));
        services.AddKeyedSingleton(Db.UserVariables, (sp, _) => new MySqlDataSource(Db.Normalise(ConnectionString(sp), allowUserVariables: true)));
        services.AddStartupTimeline();   // first: its marks bracket every other hosted service
        // Each start-up stage's hosted services at once (the migrations and the Bot's Quartz schema, both "starting"): each
        // stage still ends before the next begins, so nothing serves before the schema is migrated.
        services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        services.AddSingleton<SchemaMigrator>();
        services.AddHostedService<MigrateOnStart>();

        services.AddOptions<DueTimeOptions>().BindConfiguration(DueTimeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HolidayStore>();
        services.AddSingleton<WorkingCalendar>();

        services.AddSingleton<OrganisationStore>();
        services.AddSingleton<StaffDeparture>();
        services.AddSingleton<LoginSessionStore>();
        services.AddSingleton<ClueStore>();
        services.AddSingleton<ClueNumbers>();
        services.AddSingleton<OutboxStore>();
        builder.AddDingTalk();
        services.AddOptions<ClueOptions>().BindConfiguration(ClueOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ClueService>();
        builder.AddFourPlatforms();
        services.AddDataExchange();
        services.AddSingleton<DemoDistrict>();
        services.AddSingleton<AuditStore>();
        services.AddAdministrationAndReports();
        services.AddTodos();
        services.AddRemindersAndDigests();
        services.AddOptions<PhotoOptions>().BindConfiguration(PhotoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IPhotoStore, LocalPhotoStore>();
        services.AddSingleton<PhotoUploadStore>();
        services.AddOptions<Retention.RetentionOptions>().BindConfiguration(Retention.RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Retention.RetentionStore>();
        services.AddSingleton<Retention.RetentionService>();

        services.AddHealthChecks()
            .AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);
        return builder;
    }
}
