using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Exchange;

public static class ExchangeSetup
{
    /// <summary>The data exchange: keys, reads, webhooks (their two outbox topics).</summary>
    public static IServiceCollection AddDataExchange(this IServiceCollection services)
    {
        services.AddSingleton<ExchangeStore>();
        services.AddSingleton<ExchangeService>();
        services.AddHttpClient(WebhookRenderer.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxTopicRenderer, ClueEventRenderer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxTopicRenderer, WebhookRenderer>());
        return services;
    }
}
