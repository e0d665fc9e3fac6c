using Microsoft.Extensions.Options;
using Quartz;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Bot.Jobs;

/// <summary>
/// Drains the outbox. Never runs twice at once in the cluster, so the per-API rate limit held in this
/// process is also the cluster's; the claim's SKIP LOCKED keeps even overlapping runs from double-sending.
/// </summary>
[DisallowConcurrentExecution]
public sealed class OutboxDispatchJob(OutboxDispatcher dispatcher, IOptions<OutboxOptions> options) : IJob
{
    public const string Identity = "outbox-dispatch";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await dispatcher.DrainAsync(options.Value.MaxRunDuration, cancellationToken);
}
