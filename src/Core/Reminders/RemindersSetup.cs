using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SchoolSafety.Core.Digests;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Reminders;

public static class RemindersSetup
{
    /// <summary>The reminder evaluator and the daily digests, with their outbox renderers and settings (<c>Schedule</c>).</summary>
    public static IServiceCollection AddRemindersAndDigests(this IServiceCollection services)
    {
        services.AddOptions<ScheduleOptions>().BindConfiguration(ScheduleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ReminderStore>();
        services.TryAddSingleton<ReminderService>();
        services.TryAddSingleton<DigestStore>();
        services.TryAddSingleton<DigestService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxTopicRenderer, ReminderRenderer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxTopicRenderer, DigestRenderer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxTopicRenderer, BudgetWarningRenderer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxTopicRenderer, GuidanceNoticeRenderer>());
        return services;
    }
}
