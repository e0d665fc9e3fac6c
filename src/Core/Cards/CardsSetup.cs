using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Cards;

public static class CardsSetup
{
    /// <summary>
    /// The clue card: options, delivered copies, the click handler, and the outbox renderer that composes cards. Outside
    /// Development and Testing (<paramref name="offlineAllowed"/> false) the mini-app's public https address is required.
    /// </summary>
    public static IServiceCollection AddClueCards(this IServiceCollection services, bool offlineAllowed)
    {
        services.AddOptions<CardOptions>().BindConfiguration(CardOptions.Section).ValidateDataAnnotations()
            .Validate(o => offlineAllowed || o.HasPublicMiniAppUrl, CardOptions.MiniAppUrlRequired)
            .ValidateOnStart();
        services.TryAddSingleton<CardCopyStore>();
        services.TryAddSingleton<CardButtons>();
        services.TryAddSingleton<CardCallbackService>();
        services.TryAddSingleton<ClueNoticeRenderer>();
        services.TryAddSingleton<IOutboxMessageRenderer, ClueCardRenderer>();
        return services;
    }
}
