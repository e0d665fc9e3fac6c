using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SchoolSafety.Core.Startup;

/// <summary>
/// When each phase of a host's start-up ended, in milliseconds since the process started (the kernel's start time, so the
/// runtime's own start before <c>Main</c> is counted): <c>Main</c>, the builder, the registrations, <c>Build</c> (with DI
/// validation in Development), the endpoints, each hosted service, Kestrel listening, and the first readiness answer that
/// said ready. Logged once, as one line at Information under <see cref="Category"/> when the host is first ready (issue 11's
/// start-up bench turns that category on; nothing else reads it). Marks cost a time stamp each.
/// </summary>
public static partial class StartupTimeline
{
    public const string Category = "SchoolSafety.Startup";

    /// <summary>The line's prefix, followed by <c>phase=ms</c> pairs separated by spaces.</summary>
    public const string Prefix = "start-up timeline:";

    private static readonly List<(string Phase, long Timestamp)> Marks = [];
    private static long mainTimestamp;
    private static double mainSinceProcessStart = double.NaN;
    private static int reported;

    /// <summary>The first line of each host's <c>Main</c>.</summary>
    public static void Main()
    {
        mainTimestamp = Stopwatch.GetTimestamp();
        try
        {
            using var self = Process.GetCurrentProcess();
            mainSinceProcessStart = (DateTime.Now - self.StartTime).TotalMilliseconds;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            mainSinceProcessStart = double.NaN;
        }
        Mark("main");
    }

    public static void Mark(string phase)
    {
        var now = Stopwatch.GetTimestamp();
        lock (Marks) Marks.Add((phase, now));
    }

    /// <summary>The phases so far, <c>phase=ms</c> since the process started (or since <c>Main</c> where that is unknown).</summary>
    public static string Describe()
    {
        var offset = double.IsNaN(mainSinceProcessStart) ? 0 : mainSinceProcessStart;
        lock (Marks)
            return string.Join(' ', Marks.Select(m => string.Create(CultureInfo.InvariantCulture,
                $"{m.Phase}={offset + Stopwatch.GetElapsedTime(mainTimestamp, m.Timestamp).TotalMilliseconds:0}")));
    }

    /// <summary>Marks the first ready answer and logs the timeline, once per process.</summary>
    public static void Ready(ILoggerFactory loggers)
    {
        if (Interlocked.Exchange(ref reported, 1) == 1) return;
        Mark("ready");
        var logger = loggers.CreateLogger(Category);
        if (logger.IsEnabled(LogLevel.Information)) Log.Timeline(logger, Describe());
    }

    /// <summary>Marks the start and end of the hosted services and when the host is listening; registered first by the core.</summary>
    internal sealed class Marker(IHostApplicationLifetime lifetime) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken ct)
        {
            Mark("hosting");
            lifetime.ApplicationStarted.Register(() => Mark("listening"));
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken ct)
        {
            Mark("hosted");
            return Task.CompletedTask;
        }

        public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
    }

    internal static IServiceCollection AddStartupTimeline(this IServiceCollection services) => services.AddHostedService<Marker>();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = Prefix + " {Timeline}")]
        public static partial void Timeline(ILogger logger, string timeline);
    }
}
