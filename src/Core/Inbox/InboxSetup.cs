using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SchoolSafety.Core.Inbox;

public static class InboxSetup
{
    /// <summary>The event inbox: intake (both transports), store and processor.</summary>
    public static IServiceCollection AddEventInbox(this IServiceCollection services)
    {
        services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<InboxStore>();
        services.TryAddSingleton<InboxSignal>();
        services.TryAddSingleton<InboxIntake>();
        services.TryAddTransient<InboxProcessor>();   // holds the transient DingTalk client
        return services;
    }
}
