using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SchoolSafety.Core;
using SchoolSafety.Core.Digests;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Bench;

/// <summary>
/// The Bot's two jobs at province scale (issue 8): on a province made by <c>bench province</c> (5,000 schools, 1,000,000
/// clues over five years, ~50,000 open), compose and queue every digest of a working morning, then evaluate every reminder
/// step, each from empty records, printing the time, the database commands (round trips, counted from MySqlConnector's
/// activities) and the process's peak working set. Baseline in the same run: one full scan of the open clues (the floor of
/// any evaluator). Targets: under 30 s and under 500 MB. The queued rows are deleted afterwards.
/// </summary>
public static class SchedulingBench
{
    public static async Task RunAsync(string[] args)
    {
        var bench = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var cs = Province.ConnectionStringFor(bench, args.Length > 0 ? args[0] : null);
        var rounds = args.Length > 1 ? int.Parse(args[1]) : 3;
        var startWs = Process.GetCurrentProcess().WorkingSet64;

        await using (var probe = new MySqlConnection(cs))
        {
            await probe.OpenAsync();
            var open = await probe.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM clues WHERE state NOT IN ('Resolved', 'Withdrawn')");
            var total = await probe.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM clues");
            var schools = await probe.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schools");
            Console.WriteLine($"scheduling bench on {new MySqlConnectionStringBuilder(cs).Database}: {schools:N0} schools, {total:N0} clues, {open:N0} open");
        }
        // The province ends at its generation day 00:00 UTC; its first working morning at 08:30 China time from there.
        DateTime end;
        await using (var probe = new MySqlConnection(cs))
        {
            await probe.OpenAsync();
            end = await probe.ExecuteScalarAsync<DateTime>("SELECT MAX(created_at) FROM clues");
        }
        var clock = new FixedClock(MorningAfter(end));

        await using var services = BenchHost.CoreServices(cs, clock, settings: new Dictionary<string, string?> { ["DingTalk:OfflineLogPath"] = "", ["DingTalk:OfflineRecordInDatabase"] = "false" });
        var db = services.GetRequiredService<MySqlDataSource>();
        var digests = services.GetRequiredService<DigestService>();
        var reminders = services.GetRequiredService<ReminderService>();
        var table = await services.GetRequiredService<SchoolSafety.Core.Calendar.WorkingCalendar>().GetAsync(CancellationToken.None);
        while (!table.IsWorkingDay(WorkingTime.ChinaDate(clock.Now.UtcDateTime))) clock.Now = clock.Now.AddDays(1);
        Console.WriteLine($"at {clock.Now.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} China time; {rounds} rounds, medians");

        using var commands = new CommandCounter();
        var floor = new List<double>(); var digestTimes = new List<double>(); var reminderTimes = new List<double>();
        long digestCommands = 0, reminderCommands = 0; DigestRunReport? d = null; ReminderRunReport? r = null;
        for (var round = 0; round < rounds; round++)
        {
            await CleanAsync(db);
            var sw = Stopwatch.StartNew();
            await using (var conn = await db.OpenConnectionAsync())
                await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM clues WHERE state NOT IN ('Resolved', 'Withdrawn') AND (due_at IS NULL OR due_at > '2000-01-01')");
            floor.Add(sw.Elapsed.TotalSeconds);

            commands.Reset();
            sw.Restart();
            d = await digests.RunAsync(CancellationToken.None);
            digestTimes.Add(sw.Elapsed.TotalSeconds);
            digestCommands = commands.Count;

            commands.Reset();
            sw.Restart();
            r = await reminders.RunAsync(CancellationToken.None);
            reminderTimes.Add(sw.Elapsed.TotalSeconds);
            reminderCommands = commands.Count;
        }
        await CleanAsync(db);
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"floor (scan of the open clues):   {Median(floor):0.00} s");
        Console.WriteLine($"digests: {d!.Queued:N0} queued ({d.Skipped:N0} quiet chats skipped) in {Median(digestTimes):0.00} s, {digestCommands:N0} database commands");
        Console.WriteLine($"reminders: {r!.Due:N0} steps due, {r.Recorded:N0} recorded, {r.Messages:N0} messages in {Median(reminderTimes):0.00} s, {reminderCommands:N0} database commands");
        Console.WriteLine($"together {Median(digestTimes) + Median(reminderTimes):0.00} s (target < 30 s); peak working set {peak / 1048576.0:0} MB (at start {startWs / 1048576.0:0} MB; target < 500 MB)");
    }

    private static DateTimeOffset MorningAfter(DateTime lastUtc)
    {
        var china = DateOnly.FromDateTime(lastUtc + TimeSpan.FromHours(8)).AddDays(1);
        return new DateTimeOffset(china.ToDateTime(new TimeOnly(8, 30)), TimeSpan.FromHours(8));
    }

    private static async Task CleanAsync(MySqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        foreach (var t in new[] { "outbox", "reminder_sends", "digest_sends" })
            await conn.ExecuteAsync($"DELETE FROM {t}", commandTimeout: 600);
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Counts MySqlConnector's command activities (one per command sent, i.e. one round trip per batch).</summary>
    private sealed class CommandCounter : IDisposable
    {
        private readonly ActivityListener _listener;
        private long _count;

        public CommandCounter()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "MySqlConnector",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = a => { if (a.OperationName is "Execute") Interlocked.Increment(ref _count); },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public long Count => Interlocked.Read(ref _count);

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public void Dispose() => _listener.Dispose();
    }
}
