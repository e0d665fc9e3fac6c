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
        // A province generated before a new migration (an index, say) is brought up to date first.
        var applied = await services.GetRequiredService<SchoolSafety.Core.Data.SchemaMigrator>().MigrateAsync();
        if (applied > 0) Console.WriteLine($"applied {applied} new migration(s) to the province");
        var digests = services.GetRequiredService<DigestService>();
        var reminders = services.GetRequiredService<ReminderService>();
        var table = await services.GetRequiredService<SchoolSafety.Core.Calendar.WorkingCalendar>().GetAsync(CancellationToken.None);
        while (!table.IsWorkingDay(WorkingTime.ChinaDate(clock.Now.UtcDateTime))) clock.Now = clock.Now.AddDays(1);
        Console.WriteLine($"at {clock.Now.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} China time; {rounds} rounds, medians");

        using var commands = new CommandCounter();
        var floor = new List<double>(); var digestTimes = new List<double>(); var reminderTimes = new List<double>();
        long digestCommands = 0, reminderCommands = 0; string digestTop = "", reminderTop = ""; DigestRunReport? d = null; ReminderRunReport? r = null;
        List<(string Topic, long Rows, double Length)> queued = [];
        for (var round = 0; round < rounds; round++)
        {
            await CleanAsync(db);
            commands.Reset();
            var sw = Stopwatch.StartNew();
            d = await digests.RunAsync(CancellationToken.None);
            digestTimes.Add(sw.Elapsed.TotalSeconds);
            digestCommands = commands.Count;
            digestTop = commands.Top(6);

            commands.Reset();
            sw.Restart();
            r = await reminders.RunAsync(CancellationToken.None);
            reminderTimes.Add(sw.Elapsed.TotalSeconds);
            reminderCommands = commands.Count;
            reminderTop = commands.Top(6);

            // The floor, in the same round: what both runs must at least do, by the cheapest SQL there is.
            await using (var conn = await db.OpenConnectionAsync())
                queued = (await conn.QueryAsync<(string, long, double)>("SELECT topic, COUNT(*), AVG(LENGTH(payload)) FROM outbox GROUP BY topic")).AsList();
            await CleanAsync(db);
            floor.Add(await FloorAsync(db, r.Recorded + d.Queued, queued, clock.Now.UtcDateTime));
        }
        await CleanAsync(db);
        await ReminderPhasesAsync(services, clock);
        await CleanAsync(db);
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"floor: one read of the open clues, then {r!.Recorded + d!.Queued:N0} records and {string.Join(" + ", queued.Select(q => $"{q.Rows:N0} {q.Topic}"))} "
            + $"outbox rows of their mean sizes written server-side in one transaction: {Median(floor):0.00} s");
        Console.WriteLine($"digests: {d!.Queued:N0} queued ({d.Skipped:N0} quiet chats skipped) in {Median(digestTimes):0.00} s, {digestCommands:N0} database commands");
        Console.WriteLine(digestTop);
        Console.WriteLine($"reminders: {r!.Due:N0} steps due, {r.Recorded:N0} recorded, {r.Messages:N0} messages in {Median(reminderTimes):0.00} s, {reminderCommands:N0} database commands");
        Console.WriteLine(reminderTop);
        Console.WriteLine($"together {Median(digestTimes) + Median(reminderTimes):0.00} s (target < 30 s); peak working set {peak / 1048576.0:0} MB (at start {startWs / 1048576.0:0} MB; target < 500 MB)");
    }

    /// <summary>
    /// One more reminder run, its steps timed one by one (what <see cref="ReminderService.RunAsync"/> does, in its order), to
    /// show where the time goes outside the database as well as in it.
    /// </summary>
    private static async Task ReminderPhasesAsync(IServiceProvider services, TimeProvider clock)
    {
        var db = services.GetRequiredService<MySqlDataSource>();
        var store = services.GetRequiredService<ReminderStore>();
        var outbox = services.GetRequiredService<SchoolSafety.Core.Notifications.OutboxStore>();
        var table = await services.GetRequiredService<SchoolSafety.Core.Calendar.WorkingCalendar>().GetAsync(CancellationToken.None);
        var now = clock.GetUtcNow().UtcDateTime;
        var phases = new List<string>();
        var sw = Stopwatch.StartNew();
        void Phase(string name) { phases.Add($"{name} {sw.Elapsed.TotalSeconds:0.00} s"); sw.Restart(); }

        await using var conn = await db.OpenConnectionAsync();
        var today = WorkingTime.ChinaDate(now);
        var windows = await store.WindowsAsync(conn, today.Year, CancellationToken.None);
        var open = GuidanceWindows.Open(windows.Count > 0 ? windows : GuidanceWindows.Defaults(today.Year), today);
        var subjects = await store.SubjectsAsync(conn, now, open, CancellationToken.None);
        Phase($"subjects ({subjects.Count:N0})");
        var due = ReminderSteps.Due(subjects, table, now).ToList();
        Phase($"steps ({due.Count:N0} due)");
        var units = due.SelectMany(d => new[] { d.Subject.UnitId, d.Subject.DispatchingUnitId }).OfType<long>().ToHashSet();
        var schools = due.Select(d => d.Subject.SchoolId).OfType<long>().ToHashSet();
        var directory = await store.DirectoryAsync(conn, units, schools, CancellationToken.None);
        Phase($"directory ({units.Count:N0} units, {schools.Count:N0} schools)");
        await using var tx = await conn.BeginTransactionAsync();
        var recorded = await store.RecordAsync(conn, tx, due, Guid.NewGuid().ToString("N"), now, CancellationToken.None);
        Phase("record");
        var mine = due.Where(d => recorded.Contains((d.Subject.Kind, d.Subject.Id, d.Step.Code, d.DueKey))).ToList();
        var messages = ReminderMessages.Build(mine, directory, now);
        Phase($"messages ({messages.Count:N0})");
        foreach (var chunk in messages.Chunk(500))
            await outbox.EnqueueAsync(conn, tx, chunk, CancellationToken.None);
        Phase("queue");
        await tx.CommitAsync();
        Phase("commit");
        Console.WriteLine("one reminder run, phase by phase: " + string.Join(", ", phases));
    }

    /// <summary>
    /// The floor of any implementation of both runs: the open clues read once (the columns the steps need), then as many
    /// records and outbox rows as the runs wrote, of the same mean payload sizes, each table filled by one
    /// <c>INSERT … SELECT</c> from MariaDB's sequence engine (no parameters, no JSON built in .NET), in one transaction.
    /// </summary>
    private static async Task<double> FloorAsync(MySqlDataSource db, long records, IReadOnlyList<(string Topic, long Rows, double Length)> queued, DateTime now)
    {
        var sw = Stopwatch.StartNew();
        await using var conn = await db.OpenConnectionAsync();
        var open = await conn.QueryAsync<(long, string, DateTime?, long, long?, long?)>(
            "SELECT id, state, due_at, school_id, unit_id, assignee_user_id FROM clues WHERE state NOT IN ('Resolved', 'Withdrawn')");
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync($"""
            INSERT INTO reminder_sends (subject_kind, subject_id, step, due_key, run_id, queued_at)
            SELECT 'Clue', seq, 'floor', '20261202083000', 'floor', @now FROM seq_1_to_{Math.Max(records, 1)}
            """, new { now }, tx, commandTimeout: 600);
        foreach (var (topic, rows, length) in queued)
            await conn.ExecuteAsync($"""
                INSERT INTO outbox (topic, ordering_key, payload, created_at, next_attempt_at)
                SELECT @topic, NULL, JSON_OBJECT('p', REPEAT('x', @pad)), @now, @now FROM seq_1_to_{rows}
                """, new { topic, pad = Math.Max(0, (int)length - 8), now }, tx, commandTimeout: 600);
        await tx.CommitAsync();
        var took = sw.Elapsed.TotalSeconds;
        _ = open;
        await CleanAsync(db);
        return took;
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
                ActivityStopped = a =>
                {
                    if (a.OperationName is not "Execute") return;
                    Interlocked.Increment(ref _count);
                    var text = (a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) as string ?? "?";
                    var label = string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
                    label = label.Length > 70 ? label[..70] : label;
                    lock (_byStatement)
                        _byStatement[label] = _byStatement.TryGetValue(label, out var t) ? (t.Count + 1, t.Time + a.Duration) : (1, a.Duration);
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        private readonly Dictionary<string, (int Count, TimeSpan Time)> _byStatement = new(StringComparer.Ordinal);

        public long Count => Interlocked.Read(ref _count);

        public void Reset()
        {
            Interlocked.Exchange(ref _count, 0);
            lock (_byStatement) _byStatement.Clear();
        }

        /// <summary>The statements that took longest since the last reset (time in the database and on the wire, summed).</summary>
        public string Top(int n)
        {
            lock (_byStatement)
                return $"    {_byStatement.Values.Sum(v => v.Time.TotalSeconds),7:0.00} s in all {_byStatement.Values.Sum(v => v.Count)} commands, the longest:\n" + string.Join("\n", _byStatement.OrderByDescending(p => p.Value.Time).Take(n)
                    .Select(p => $"    {p.Value.Time.TotalSeconds,7:0.00} s  {p.Value.Count,4}×  {p.Key}"));
        }

        public void Dispose() => _listener.Dispose();
    }
}
