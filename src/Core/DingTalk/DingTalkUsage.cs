using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.DingTalk;

/// <summary>One API's metered calls in a month.</summary>
public sealed record UsageRow(string Api, long Calls);

/// <summary>The month's metered calls against the budget, as the admin sees them.</summary>
public sealed record UsageReport(string Month, long Budget, long Used, int WarnPercent, bool Warned, bool OverBudget, IReadOnlyList<UsageRow> ByApi);

/// <summary>
/// The DingTalk budget (domain.md §5): every metered call is counted per month (China time) and API at the moment it is
/// sent, by both clients, in <c>dingtalk_usage</c> (so all hosts and Bots add to one count). Token, login and contacts
/// calls are exempt. At <see cref="DingTalkOptions.BudgetWarnPercent"/> of <see cref="DingTalkOptions.MonthlyBudget"/> the
/// EDU admins are told once a month; past the budget the dispatcher holds the digests (<see cref="OutboxTopics.Deferrable"/>)
/// while cards and messages to handlers still go.
/// </summary>
public sealed partial class DingTalkUsage(MySqlDataSource db, OutboxStore outbox, IOptions<DingTalkOptions> options, TimeProvider clock, ILogger<DingTalkUsage> logger)
{
    /// <summary>APIs DingTalk does not meter (facts: token, login and contacts calls).</summary>
    public static readonly IReadOnlySet<string> Exempt = new HashSet<string>(StringComparer.Ordinal)
    {
        "oauth2.accessToken", "user.getuserinfo", "user.get", "department.listsub",
    };

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private (string Month, long Used, DateTimeOffset At)? _cached;

    public string Month(DateTimeOffset now) => (now.UtcDateTime + HolidayTable.ChinaOffset).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private const string CountSql = """
        INSERT INTO dingtalk_usage (month, api, calls) VALUES (@Month, @Api, 1)
        ON DUPLICATE KEY UPDATE calls = calls + 1;
        SELECT CAST(COALESCE(SUM(calls), 0) AS SIGNED) FROM dingtalk_usage WHERE month = @Month;
        """;

    private const string WarnOnceSql = """
        INSERT IGNORE INTO app_settings (name, value, updated_at) VALUES (@Name, @Value, @Now)
        """;

    private const string EduAdminsSql = """
        SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id AND u.active = 1 WHERE m.role = 'EduAdmin'
        """;

    /// <summary>Counts one call to <paramref name="api"/> now (exempt APIs are not counted). Never fails the call it counts.</summary>
    public async Task CountAsync(string api, CancellationToken ct)
    {
        if (Exempt.Contains(api)) return;
        var now = clock.GetUtcNow();
        var month = Month(now);
        try
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var used = await conn.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, new { Month = month, Api = api }, cancellationToken: ct));
            lock (_gate) _cached = (month, used, now);
            var o = options.Value;
            if (used * 100 >= (long)o.MonthlyBudget * o.BudgetWarnPercent) await WarnOnceAsync(conn, month, used, now, ct);
        }
        catch (MySqlException e)
        {
            Log.CountFailed(logger, api, e.ErrorCode.ToString());
        }
    }

    /// <summary>The first count past the warning line queues one notice to the EDU admins (once per month, across all hosts).</summary>
    private async Task WarnOnceAsync(MySqlConnection conn, string month, long used, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        var first = await conn.ExecuteAsync(new CommandDefinition(WarnOnceSql,
            new { Name = $"dingtalk.budget_warned.{month}", Value = used.ToString(CultureInfo.InvariantCulture), Now = now.UtcDateTime }, tx, cancellationToken: ct)) == 1;
        if (first)
        {
            var admins = (await conn.QueryAsync<long>(new CommandDefinition(EduAdminsSql, transaction: tx, cancellationToken: ct))).AsList();
            var o = options.Value;
            if (admins.Count > 0)
                await outbox.EnqueueAsync(conn, tx,
                    [new OutboxMessage(OutboxTopics.BudgetWarning, null, new BudgetWarningPayload(admins, month, used, o.MonthlyBudget))], ct);
            Log.Warned(logger, month, used, o.MonthlyBudget);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>True once the month's metered calls have reached the budget (read at most every 10 s).</summary>
    public async Task<bool> OverBudgetAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var month = Month(now);
        lock (_gate)
            if (_cached is { } c && c.Month == month && now - c.At < CacheFor) return c.Used >= options.Value.MonthlyBudget;
        var used = (await ReportAsync(month, ct)).Used;
        lock (_gate) _cached = (month, used, now);
        return used >= options.Value.MonthlyBudget;
    }

    private const string ReportSql = """
        SELECT api AS Api, calls AS Calls FROM dingtalk_usage WHERE month = @Month ORDER BY calls DESC, api;
        SELECT COUNT(*) FROM app_settings WHERE name = @Warned;
        """;

    /// <summary>A month's usage (default: this month).</summary>
    public async Task<UsageReport> ReportAsync(string? month, CancellationToken ct)
    {
        month ??= Month(clock.GetUtcNow());
        await using var conn = await db.OpenConnectionAsync(ct);
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(ReportSql, new { Month = month, Warned = $"dingtalk.budget_warned.{month}" }, cancellationToken: ct));
        var rows = (await r.ReadAsync<UsageRow>()).AsList();
        var warned = await r.ReadSingleAsync<long>() > 0;
        var o = options.Value;
        var used = rows.Sum(x => x.Calls);
        return new UsageReport(month, o.MonthlyBudget, used, o.BudgetWarnPercent, warned, used >= o.MonthlyBudget, rows);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "DingTalk usage: counting a call to {Api} failed ({Error}); the call itself went on")]
        public static partial void CountFailed(ILogger logger, string api, string error);

        [LoggerMessage(2, LogLevel.Warning, "DingTalk usage {Month}: {Used} metered calls of a budget of {Budget}; the admins are warned")]
        public static partial void Warned(ILogger logger, string month, long used, int budget);
    }
}
