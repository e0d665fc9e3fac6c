namespace SchoolSafety.Core.DingTalk.Stream;

/// <summary>Stream mode (section <c>DingTalk:Stream</c>): off by default; deployments with no public callback address turn it on.</summary>
public sealed class StreamOptions
{
    public const string Section = "DingTalk:Stream";

    public bool Enabled { get; set; }

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="ReconnectMax"/>, with jitter. A planned <c>disconnect</c> reconnects after the first delay.</summary>
    public TimeSpan ReconnectMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>RFC 6455 keep-alive pings from our side (the SDKs use 60 s).</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(60);
}
