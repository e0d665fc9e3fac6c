using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk.Stream;

namespace SchoolSafety.Callbacks;

/// <summary>Runs the Stream-mode client when <c>DingTalk:Stream:Enabled</c> is true (off by default: HTTP callbacks).</summary>
public sealed class StreamWorker(StreamClient client, IOptions<StreamOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled ? client.RunAsync(stoppingToken) : Task.CompletedTask;
}
