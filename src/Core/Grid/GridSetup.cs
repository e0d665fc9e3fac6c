using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Grid;

public static class GridSetup
{
    /// <summary>
    /// The four platforms' hand-off: options (validated on start), the gateway client, the push service; and the
    /// <c>grid.dispatch</c> renderer only where a gateway is configured, so that without one approved dispatches wait in
    /// the outbox (they are not claimed) instead of failing.
    /// </summary>
    public static IHostApplicationBuilder AddFourPlatforms(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GridOptions>().BindConfiguration(GridOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GridStore>();
        services.AddSingleton<GridService>();
        services.AddSingleton<GridPushService>();
        services.AddSingleton<GridPhotoLinks>();
        services.AddSingleton<GridGateway>();
        services.AddHttpClient(nameof(GridGateway), (sp, http) => http.Timeout = sp.GetRequiredService<IOptions<GridOptions>>().Value.RequestTimeout)
            .RedactLoggedHeaders(_ => true);
        var configured = builder.Configuration.GetSection(GridOptions.Section).Get<GridOptions>() is { Configured: true };
        if (configured)
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxTopicRenderer, GridDispatchRenderer>());
        return builder;
    }
}
