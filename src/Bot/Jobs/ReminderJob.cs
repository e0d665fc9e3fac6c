using Quartz;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Bot.Jobs;

/// <summary>Evaluates the reminder steps (ReminderService decides who, what and whether now is working time).</summary>
[DisallowConcurrentExecution]
public sealed class ReminderJob(ReminderService reminders) : IJob
{
    public const string Identity = "reminders";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await reminders.RunAsync(cancellationToken);
}
