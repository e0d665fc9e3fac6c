using Microsoft.Extensions.Options;
using SchoolSafety.Core.Inbox;

namespace SchoolSafety.Callbacks;

/// <summary>Processes the event inbox: woken by each stored event, and every <see cref="InboxOptions.PollInterval"/> for retries.</summary>
public sealed partial class InboxWorker(IServiceProvider services, InboxSignal signal, IOptions<InboxOptions> options, ILogger<InboxWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunWorker) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await services.GetRequiredService<InboxProcessor>().ProcessDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.RunFailed(logger, e);   // e.g. the database is down: try again at the next poll
            }
            try
            {
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Inbox run failed")]
        public static partial void RunFailed(ILogger logger, Exception e);
    }
}
