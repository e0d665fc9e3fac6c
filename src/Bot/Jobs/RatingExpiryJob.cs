using Quartz;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Bot.Jobs;

/// <summary>
/// Hourly: resolved clues nobody rated within 3 working days become 未评价 (domain.md §2), and their rating to-dos are
/// completed. Idempotent in the database (only unrated clues past their rating time change), so a recovered firing is harmless.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RatingExpiryJob(ClueService clues) : IJob
{
    public const string Identity = "rating-expiry";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await clues.ExpireRatingsAsync(null, cancellationToken);
}
