using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SchoolSafety.Core.DingTalk.Stream;

public static class StreamSetup
{
    /// <summary>The Stream-mode client and its frame handler (the host decides whether to run it: <see cref="StreamOptions.Enabled"/>).</summary>
    public static IServiceCollection AddDingTalkStream(this IServiceCollection services)
    {
        services.AddOptions<StreamOptions>().BindConfiguration(StreamOptions.Section).ValidateOnStart();
        services.AddHttpClient(StreamClient.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15));
        services.TryAddSingleton<StreamFrameHandler>();
        services.TryAddSingleton<StreamClient>();
        return services;
    }
}
