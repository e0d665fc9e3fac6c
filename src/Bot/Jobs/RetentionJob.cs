using Quartz;
using SchoolSafety.Core.Retention;

namespace SchoolSafety.Bot.Jobs;

/// <summary>The retention purge, hourly (orphan photos go a day after upload, within the hour).</summary>
[DisallowConcurrentExecution]
public sealed class RetentionJob(RetentionService retention) : IJob
{
    public const string Identity = "retention-purge";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await retention.PurgeAsync(cancellationToken);
}
