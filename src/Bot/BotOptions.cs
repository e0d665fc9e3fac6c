namespace SchoolSafety.Bot;

/// <summary>The Bot host's scheduler settings (section <c>Bot</c>).</summary>
public sealed class BotOptions
{
    public const string Section = "Bot";

    /// <summary>
    /// Clustered AdoJobStore on the app's MySQL (QRTZ_ tables) — the production setting, so that two Bot
    /// replicas never run one job twice. Default: on in Production, in-memory elsewhere.
    /// </summary>
    public bool? ClusteredScheduler { get; set; }

    /// <summary>Let Quartz create its QRTZ_ tables (development only; production applies Quartz's DDL by hand).</summary>
    public bool ProvisionQuartzSchema { get; set; }

    /// <summary>Start the scheduler with the host. Default: on, except in the Testing environment (tests call Core services directly).</summary>
    public bool? RunScheduler { get; set; }
}
