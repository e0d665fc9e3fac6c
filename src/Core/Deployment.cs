using Microsoft.Extensions.Hosting;

namespace SchoolSafety.Core;

/// <summary>
/// Which environments may take the shortcuts a local run needs: the development login, the offline DingTalk recorder
/// (which also reads an auth code as a user id), the committed development signing key. Development and Testing only;
/// every other environment (Staging, Production, anything misspelt) must be configured for real, or the hosts refuse to start.
/// </summary>
public static class Deployment
{
    public const string Testing = "Testing";

    public static bool AllowsOfflineShortcuts(this IHostEnvironment env) => env.IsDevelopment() || env.IsEnvironment(Testing);

    /// <summary>
    /// The local callback secrets a Development run gets from <c>scripts/local-dingtalk.env</c> (public, committed): any host
    /// outside Development and Testing refuses to start with one of them configured.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> LocalSecrets = new Dictionary<string, string>
    {
        ["DingTalk:CallbackToken"] = "local-development-only-callback-token",
        ["DingTalk:CallbackAesKey"] = "localDevelopmentOnlyAesKeyNeverInProduction",
        ["DingTalk:CardCallbackSecret"] = "local-development-only-card-callback-secret",
        ["DingTalk:AppSecret"] = "local-development-only-robot-app-secret",
    };

    public const string LocalSecretOutsideDevelopment =
        "A local development secret (scripts/local-dingtalk.env) is configured outside Development and Testing: configure the deployment's own DingTalk:CallbackToken, CallbackAesKey, CardCallbackSecret and AppSecret.";

    public const string MissingCredentials =
        "DingTalk:AppKey and DingTalk:AppSecret must be configured outside Development and Testing (without them every DingTalk call would be recorded to a file and counted as sent).";
}
