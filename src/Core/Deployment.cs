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

    public const string MissingCredentials =
        "DingTalk:AppKey and DingTalk:AppSecret must be configured outside Development and Testing (without them every DingTalk call would be recorded to a file and counted as sent).";
}
