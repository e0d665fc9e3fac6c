using Quartz;
using SchoolSafety.Core.Digests;

namespace SchoolSafety.Bot.Jobs;

/// <summary>Queues the day's digests, each chat once (DigestService records each before it is queued).</summary>
[DisallowConcurrentExecution]
public sealed class DailyDigestJob(DigestService digests) : IJob
{
    public const string Identity = "daily-digest";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await digests.RunAsync(cancellationToken);
}
