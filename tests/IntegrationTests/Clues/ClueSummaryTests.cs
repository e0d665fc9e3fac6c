using System.Text.Json;
using Dapper;
using MySqlConnector;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Statistics;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Clues;

/// <summary>
/// Issue 11: the statistics' daily summary, kept in each clue change's transaction, is what a recomputation from every
/// clue gives after a mix of actions over several days; and the statistics read from it are the answers computed from
/// every clue by definition (<see cref="StatisticsStore.ByDefinitionAsync"/>), for
/// each scope and for periods in the past, around today and in the future.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ClueSummaryTests(CoreServices core) : IClassFixture<CoreServices>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await core.Db.ResetAsync();   // every clue is then this test's, none from a later time than its clock
        await core.Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private ClueService Clues => core.Get<ClueService>();

    private async Task<ActionOutcome> ReportAsync(int school, int item)
    {
        var outcome = await Clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = await core.UserAsync($"demo-school{school:D2}-officer"), ItemNo = item, Description = "汇总测试：校门口隐患",
            IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        return outcome;
    }

    private async Task<ActionOutcome> ActAsync(ActionOutcome on, ClueAction action, long user, string? note = null, DateTime? newDue = null, ClueRating? rating = null)
    {
        var outcome = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = on.ClueId, Action = action, Version = on.Version, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = ActorRef.User(user), Note = note, NewDueAt = newDue, Rating = rating,
        });
        Assert.True(outcome.Kind == OutcomeKind.Applied, $"{action}: {outcome.Kind} ({outcome.Code}: {outcome.Message})");
        return outcome;
    }

    private void Later(double hours) => core.Clock.Now = core.Clock.Now.AddHours(hours);

    /// <summary>Eighteen clues over three weeks (the clock only goes forward) through every kind of change the summary counts.</summary>
    private async Task MixAsync()
    {
        core.Clock.SetChinaTime(2026, 10, 12, 9);
        var district = await core.UserAsync("demo-POL-handler");
        for (var i = 0; i < 18; i++)
        {
            var school = 1 + i % 3;
            var (item, line) = i % 3 == 2 ? (16, "MKT") : (4 + i % 2, "POL");
            var member = await core.MemberAsync(school, line);
            var reporter = await core.UserAsync($"demo-school{school:D2}-officer");
            var c = await ReportAsync(school, item);
            Later(1.5 + i % 4);
            switch (i % 6)
            {
                case 0:   // accepted, resolved, rated satisfied
                    c = await ActAsync(c, ClueAction.Accept, member);
                    Later(20);
                    c = await ActAsync(c, ClueAction.Resolve, member, note: "已整改");
                    await ActAsync(c, ClueAction.Rate, reporter, rating: ClueRating.Satisfied);
                    break;
                case 1 when line == "POL":   // escalated twice with the heads' approval, returned by the city, resolved at the district
                    c = await ActAsync(c, ClueAction.Accept, member);
                    c = await ActAsync(c, ClueAction.Escalate, member, note: "需区级协调");
                    c = await ActAsync(c, ClueAction.ApproveEscalation, await core.TownHeadAsync(school, line));
                    Later(5);
                    c = await ActAsync(c, ClueAction.Accept, district);
                    c = await ActAsync(c, ClueAction.Escalate, district, note: "需市级部门处置");
                    c = await ActAsync(c, ClueAction.ApproveEscalation, await core.UserAsync("demo-POL-head"));
                    c = await ActAsync(c, ClueAction.Return, await core.UserAsync("demo-POL-city-handler"), note: "不属于市级部门职责");
                    c = await ActAsync(c, ClueAction.Accept, district);
                    Later(30);
                    await ActAsync(c, ClueAction.Resolve, district, note: "区级办结");
                    break;
                case 2:   // an approved extension, resolved weeks later
                    c = await ActAsync(c, ClueAction.Accept, member);
                    var due = await core.ScalarAsync<DateTime>("SELECT due_at FROM clues WHERE id = @id", new { id = c.ClueId });
                    c = await ActAsync(c, ClueAction.RequestExtension, member, note: "需等待检测结果", newDue: due.AddDays(1));
                    c = await ActAsync(c, ClueAction.ApproveExtension, await core.TownHeadAsync(school, line));
                    Later(30);
                    await ActAsync(c, ClueAction.Resolve, member, note: "已整改");
                    break;
                case 3:   // withdrawn by the reporter
                    await ActAsync(c, ClueAction.Withdraw, reporter, note: "误报");
                    break;
                case 4:   // accepted and left open (overdue later on)
                    await ActAsync(c, ClueAction.Accept, member);
                    break;
                default:   // resolved, rated unsatisfied: reopened (重办), accepted again; or left unaccepted
                    if (i % 2 == 0) break;
                    c = await ActAsync(c, ClueAction.Accept, member);
                    c = await ActAsync(c, ClueAction.Resolve, member, note: "已整改");
                    c = await ActAsync(c, ClueAction.Rate, reporter, note: "摊贩又回来了", rating: ClueRating.Unsatisfied);
                    await ActAsync(c, ClueAction.Accept, member);
                    break;
            }
            Later(8);
        }
        // The ratings not given in time count as 未评价.
        Later(24 * 10);
        Assert.True(await Clues.ExpireRatingsAsync() > 0);
        Later(7.5);
    }

    private sealed record DailyRow(DateTime Day, string LineCode, long SchoolId, int ItemNo, long TownId, string State, int Clues, int Escalated, int Returned,
        int Extensions, int Redo, int ResolvedLate, int Satisfied, int Basic, int Unsatisfied, int Unrated);

    private async Task<(List<DailyRow> Daily, List<string> Closings, List<string> Accepted)> SummaryAsync(MySqlConnection conn) => (
        (await conn.QueryAsync<DailyRow>("""
            SELECT day AS Day, line_code AS LineCode, school_id AS SchoolId, item_no AS ItemNo, town_id AS TownId, state AS State, clues AS Clues,
                   escalated AS Escalated, returned AS Returned, extensions AS Extensions, redo AS Redo, resolved_late AS ResolvedLate,
                   satisfied AS Satisfied, basic AS Basic, unsatisfied AS Unsatisfied, unrated AS Unrated
              FROM clue_daily
             WHERE clues <> 0 OR escalated <> 0 OR returned <> 0 OR extensions <> 0 OR redo <> 0 OR resolved_late <> 0
                OR satisfied <> 0 OR basic <> 0 OR unsatisfied <> 0 OR unrated <> 0
             ORDER BY day, line_code, school_id, item_no, town_id, state
            """)).AsList(),
        (await conn.QueryAsync<string>("SELECT CONCAT(day, ' ', line_code, ' ', school_id, ' ', closed) FROM clue_daily_closings WHERE closed <> 0 ORDER BY day, line_code, school_id")).AsList(),
        (await conn.QueryAsync<string>("SELECT CONCAT(id, ' ', IFNULL(accepted_at, '-')) FROM clues ORDER BY id")).AsList());

    [Fact]
    public async Task TheSummary_AfterAMixOfActions_IsItsRecomputation_AndTheStatisticsAreTheDefinitions()
    {
        var store = core.Get<ClueStore>();
        await using var conn = await core.Get<MySqlDataSource>().OpenConnectionAsync();
        await MixAsync();

        var kept = await SummaryAsync(conn);
        Assert.Contains(kept.Daily, r => r.Escalated > 0);
        Assert.Contains(kept.Daily, r => r.Returned > 0);
        Assert.Contains(kept.Daily, r => r.Extensions > 0);
        Assert.Contains(kept.Daily, r => r.Redo > 0 && r.Unsatisfied > 0);
        Assert.Contains(kept.Daily, r => r.Unrated > 0);
        Assert.Contains(kept.Daily, r => r.State == "Withdrawn");
        await store.SummariseAllAsync(conn, CancellationToken.None);
        var recomputed = await SummaryAsync(conn);
        Assert.Equal(recomputed.Daily, kept.Daily);
        Assert.Equal(recomputed.Closings, kept.Closings);
        Assert.Equal(recomputed.Accepted, kept.Accepted);

        var statistics = core.Get<StatisticsStore>();
        var school1 = await conn.ExecuteScalarAsync<long>("SELECT s.id FROM schools s JOIN work_groups g ON g.school_id = s.id WHERE g.open_conversation_id = 'demo-cid-school01'");
        StatisticsScope[] scopes = [new(null, null), new(["POL"], null), new(["MKT", "POL"], null), new(null, [school1])];
        var now = core.Clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now + ClueStatistics.ChinaOffset);
        (DateOnly, DateOnly)[] periods =
        [
            (today.AddDays(-30), today), (today, today), (today.AddDays(-25), today.AddDays(-15)), (today.AddDays(-10), today.AddDays(20)),
            (today.AddDays(5), today.AddDays(30)), (today.AddDays(-365), today), (new(2026, 10, 1), new(2026, 10, 31)),
        ];
        foreach (var scope in scopes)
            foreach (var (from, to) in periods)
            {
                var expected = await statistics.ByDefinitionAsync(conn, from, to, now, scope, CancellationToken.None);
                var actual = await statistics.SummaryAsync(conn, from, to, now, scope, CancellationToken.None);
                var (e, a) = (JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
                Assert.True(e == a, $"{scope.Lines?.FirstOrDefault()} {scope.Schools?.FirstOrDefault()} {from}..{to}:\n{e}\n{a}");
            }
        var all = await statistics.SummaryAsync(conn, today.AddDays(-60), today, now, scopes[0], CancellationToken.None);
        Assert.Equal(18, all.Total);
        Assert.All([all.EscalationRate, all.ReturnRate, all.OverdueRate], rate => Assert.True(rate > 0));
        Assert.NotEmpty(all.HotSpots);
        Assert.NotEmpty(all.ExtensionsByLine);
        Assert.True(all.TimeToAccept.Count > 0 && all.TimeToResolve.Count > 0 && all.Satisfaction.Redo > 0 && all.Satisfaction.Unrated > 0);
        Assert.Contains(all.OpenByDay, d => d.Open > 0);
    }

    [Fact]
    public void TheMigrationsBackfill_IsTheStoresRecomputation()
    {
        static string Normal(string sql) => string.Join(' ', sql.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        var script = SchemaMigrator.Scripts.Single(s => s.Version.StartsWith("V0563__", StringComparison.Ordinal)).Sql;
        Assert.Equal(Normal(ClueStore.SummariseAllSql), Normal(script));
        var units = SchemaMigrator.Scripts.Single(s => s.Version.StartsWith("V0711__", StringComparison.Ordinal)).Sql;
        Assert.Equal(Normal(ClueStore.RecordAllUnitsSql), Normal(units));
    }

    /// <summary>
    /// The lists' <c>clue_units</c> (every unit a clue's timeline names, with the clue's report time), kept in each event's
    /// transaction, is its recomputation from the timeline after the same mix (escalations up two tiers, a return, withdrawals).
    /// </summary>
    [Fact]
    public async Task TheClueUnits_AfterAMixOfActions_AreTheirRecomputation()
    {
        await using var conn = await core.Get<MySqlDataSource>().OpenConnectionAsync();
        await MixAsync();
        const string Rows = "SELECT CONCAT(unit_id, ' ', created_at, ' ', clue_id) FROM clue_units ORDER BY unit_id, created_at, clue_id";
        var kept = (await conn.QueryAsync<string>(Rows)).AsList();
        Assert.Equal(18, await conn.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT clue_id) FROM clue_units"));
        Assert.True(await conn.ExecuteScalarAsync<long>("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM clue_units GROUP BY clue_id) k") >= 3);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM clue_units p JOIN clues c ON c.id = p.clue_id WHERE c.created_at <> p.created_at"));
        await core.Get<ClueStore>().RecordAllUnitsAsync(conn, CancellationToken.None);
        Assert.Equal((await conn.QueryAsync<string>(Rows)).AsList(), kept);
    }
}
