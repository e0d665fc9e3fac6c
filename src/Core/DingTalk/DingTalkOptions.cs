using System.ComponentModel.DataAnnotations;

namespace SchoolSafety.Core.DingTalk;

/// <summary>
/// The app's DingTalk settings (section <c>DingTalk</c>). With no AppKey/AppSecret the hosts run
/// offline: <see cref="RecordingDingTalkClient"/> records every call (the <c>dingtalk_calls</c> table and <see cref="OfflineLogPath"/>).
/// </summary>
public sealed class DingTalkOptions
{
    public const string Section = "DingTalk";

    /// <summary>The new API (header token, camelCase JSON).</summary>
    [Required, Url]
    public string ApiBaseUrl { get; set; } = "https://api.dingtalk.com";

    /// <summary>The legacy API (<c>?access_token=</c>, snake_case JSON, errcode/errmsg).</summary>
    [Required, Url]
    public string LegacyBaseUrl { get; set; } = "https://oapi.dingtalk.com";

    /// <summary>Client ID (AppKey). Also the owner key of app-level event subscriptions and the robotCode of the app's robot.</summary>
    public string? AppKey { get; set; }

    /// <summary>The organisation's corpId (the H5 pages pass it to <c>dd.requestAuthCode</c>).</summary>
    public string? CorpId { get; set; }

    public string? AppSecret { get; set; }

    /// <summary>Work-notification agent id (<c>agent_id</c>).</summary>
    public long? AgentId { get; set; }

    /// <summary>The robot's code; defaults to <see cref="AppKey"/> (enterprise-internal robot).</summary>
    public string? RobotCode { get; set; }

    /// <summary>Event subscription (HTTP push) token, EncodingAESKey and owner key (default: AppKey).</summary>
    public string? CallbackToken { get; set; }
    public string? CallbackAesKey { get; set; }
    public string? CallbackOwnerKey { get; set; }

    /// <summary>The <c>apiSecret</c> registered with the card callback route.</summary>
    public string? CardCallbackSecret { get; set; }

    /// <summary>
    /// Callback timestamps further than this from our clock, either way, are refused (default 5 minutes); a card or robot
    /// header pair is accepted once within it (<see cref="CallbackVerifier"/>).
    /// </summary>
    public TimeSpan CallbackTimestampWindow { get; set; } = DingTalkCallbackCrypto.DefaultWindow;

    /// <summary>The cached access token is refreshed this long before DingTalk says it expires.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Calls per second allowed per API (DingTalk's documented standard-edition limit is 20 per app per API).</summary>
    [Range(1, 10_000)]
    public int CallsPerSecondPerApi { get; set; } = 20;

    /// <summary>
    /// Slack added to the limiter's one-second window. Not needed for network jitter (a call's slot is held
    /// until its answer is back, see <see cref="ApiRateLimiter"/>); only for a DingTalk whose clock runs fast.
    /// </summary>
    public TimeSpan RateWindowMargin { get; set; } = TimeSpan.Zero;

    public TimeSpan RateWindow => TimeSpan.FromSeconds(1) + RateWindowMargin;

    /// <summary>Retries after a throttling answer (90018, 90002, QpsLimit…), waiting <see cref="ThrottleBackoff"/> × attempt plus jitter.</summary>
    [Range(0, 10)]
    public int ThrottleRetries { get; set; } = 3;

    public TimeSpan ThrottleBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The organisation's monthly quota of metered calls (domain.md §5: 5,000 for the standard edition; set it to your edition's).</summary>
    [Range(1, 100_000_000)]
    public int MonthlyBudget { get; set; } = 5000;

    /// <summary>At this share of <see cref="MonthlyBudget"/> the EDU admins are warned (once a month).</summary>
    [Range(1, 100)]
    public int BudgetWarnPercent { get; set; } = 80;

    /// <summary>Where the offline client appends its JSON lines.</summary>
    public string OfflineLogPath { get; set; } = ".local/dingtalk-calls.jsonl";

    /// <summary>The offline client also keeps every call in the <c>dingtalk_calls</c> table, where any host (the simulator) reads it.</summary>
    public bool OfflineRecordInDatabase { get; set; } = true;

    public bool HasCredentials => !string.IsNullOrWhiteSpace(AppKey) && !string.IsNullOrWhiteSpace(AppSecret);

    public string EffectiveRobotCode => string.IsNullOrWhiteSpace(RobotCode) ? AppKey ?? "" : RobotCode;

    /// <summary>The event-subscription secrets, or null when they are not configured.</summary>
    public CallbackSecrets? CallbackSecrets =>
        string.IsNullOrWhiteSpace(CallbackToken) || string.IsNullOrWhiteSpace(CallbackAesKey)
            ? null
            : new CallbackSecrets(CallbackToken, CallbackAesKey, CallbackOwnerKey ?? AppKey ?? "");
}
