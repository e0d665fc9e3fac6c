using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Chatbot;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.DingTalk;

public static class DingTalkSetup
{
    /// <summary>
    /// Registers <see cref="IDingTalkClient"/>: the HTTP client when AppKey/AppSecret are configured,
    /// otherwise the offline <see cref="RecordingDingTalkClient"/>; and the outbox's dispatcher, renderer and
    /// admin service. Options are validated on start.
    /// </summary>
    /// <summary>Whether any of the committed local secrets (<see cref="Deployment.LocalSecrets"/>) is configured.</summary>
    public static bool UsesLocalSecret(DingTalkOptions o) =>
        new[] { o.CallbackToken, o.CallbackAesKey, o.CardCallbackSecret, o.AppSecret }.Any(v => v is not null && Deployment.LocalSecrets.Values.Contains(v));

    public static IHostApplicationBuilder AddDingTalk(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        var offlineAllowed = builder.Environment.AllowsOfflineShortcuts();
        services.AddOptions<DingTalkOptions>()
            .BindConfiguration(DingTalkOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.CallbackAesKey is null || DingTalkCallbackCrypto.IsValidAesKey(o.CallbackAesKey),
                "DingTalk:CallbackAesKey must be 43 letters or digits.")
            .Validate(o => offlineAllowed || o.HasCredentials, Deployment.MissingCredentials)
            .Validate(o => offlineAllowed || !UsesLocalSecret(o), Deployment.LocalSecretOutsideDevelopment)
            .ValidateOnStart();

        services.AddSingleton(sp => new AccessTokenCache(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<DingTalkOptions>>().Value.TokenRefreshMargin));
        services.AddSingleton(sp => new ApiRateLimiter(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<DingTalkOptions>>().Value.CallsPerSecondPerApi,
            sp.GetRequiredService<IOptions<DingTalkOptions>>().Value.RateWindow));
        // HttpClientFactory's logs already redact query strings (.NET 9+), which hides ?access_token=;
        // header values (x-acs-dingtalk-access-token) are redacted here explicitly.
        services.AddHttpClient<DingTalkClient>((sp, http) =>
                http.Timeout = sp.GetRequiredService<IOptions<DingTalkOptions>>().Value.RequestTimeout)
            .RedactLoggedHeaders(_ => true);
        services.AddSingleton<DingTalkUsage>();
        services.AddSingleton<DingTalkCallStore>();
        services.AddSingleton<RecordingDingTalkClient>();
        services.AddSingleton<CallbackReplayStore>();
        services.AddSingleton<CallbackVerifier>();
        // The recorder answers every call with a success: outside Development and Testing it is never used, whatever the configuration.
        services.AddTransient<IDingTalkClient>(sp =>
            sp.GetRequiredService<IOptions<DingTalkOptions>>().Value.HasCredentials
                ? sp.GetRequiredService<DingTalkClient>()
                : offlineAllowed ? sp.GetRequiredService<RecordingDingTalkClient>() : throw new InvalidOperationException(Deployment.MissingCredentials));

        // The outbox's sending side: hosts that send (the Bot) resolve OutboxDispatcher; admin tools use OutboxAdmin.
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddClueCards(offlineAllowed);   // IOutboxMessageRenderer: clue cards composed, other topics as placeholders
        services.AddChatbot();     // and the robot's replies (chatbot.reply)
        services.AddTransient<OutboxDispatcher>();
        services.AddSingleton<OutboxAdmin>();
        return builder;
    }
}
