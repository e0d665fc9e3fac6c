using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MiniExcelLibs;
using SchoolSafety.Core.Clues;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>
/// Statistics over clues written straight into March 2025 (a period no other test touches):
/// school 1 reports item 5 (police) three times — a hot spot — and item 16 (market) once (withdrawn);
/// school 2 reports item 16 once (escalated, resolved).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class StatisticsApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>, IAsyncLifetime
{
    private const string Period = "from=2025-03-01&to=2025-03-31";
    private static readonly DateTime Mar = new(2025, 3, 1, 2, 0, 0, DateTimeKind.Utc);   // 10:00 China time

    public async Task InitializeAsync()
    {
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        const string inPeriod = "SELECT id FROM clues WHERE created_at >= '2025-02-28' AND created_at < '2025-04-02'";
        await conn.ExecuteAsync($"DELETE FROM clue_events WHERE clue_id IN (SELECT id FROM ({inPeriod}) x)");
        await conn.ExecuteAsync($"DELETE FROM clues WHERE id IN (SELECT id FROM ({inPeriod}) x)");
        var s1 = await SchoolAsync(conn, 1);
        var s2 = await SchoolAsync(conn, 2);
        var reporter = await conn.ExecuteScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = 'demo-school01-officer'");

        async Task Clue(string number, (long Id, long Town) school, int item, string line, string state, DateTime created,
            double? acceptH = null, double? resolveH = null, DateTime? due = null, bool escalated = false)
        {
            var id = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO clues (number, school_id, town_id, item_no, line_code, description, reporter_user_id, created_at, updated_at, state, tier, due_at, resolved_at)
                VALUES (@number, @school, @town, @item, @line, '统计测试', @reporter, @created, @updated, @state, 'WorkGroup', @due, @resolved);
                SELECT LAST_INSERT_ID()
                """, new
            {
                number, school = school.Id, town = school.Town, item, line, reporter, created, state, due,
                updated = created.AddHours(resolveH ?? 1), resolved = resolveH is { } r ? created.AddHours(r) : (DateTime?)null,
            });
            var version = 1;
            async Task Event(string action, DateTime at) => await conn.ExecuteAsync("""
                INSERT INTO clue_events (clue_id, action, actor_label, occurred_at, to_state, to_tier, version) VALUES (@id, @action, '测试', @at, 'InProgress', 'WorkGroup', @v)
                """, new { id, action, at, v = ++version });
            if (acceptH is { } a) await Event("Accept", created.AddHours(a));
            if (escalated) await Event("Escalate", created.AddHours(5));
        }

        await Clue("ST20250301-0001", s1, 5, "POL", "Resolved", Mar, acceptH: 2, resolveH: 50, due: Mar.AddDays(7));
        await Clue("ST20250310-0002", s1, 5, "POL", "InProgress", Mar.AddDays(9), acceptH: 4, due: Mar.AddDays(11));
        await Clue("ST20250320-0003", s1, 5, "POL", "PendingAcceptance", Mar.AddDays(19));
        await Clue("ST20250305-0004", s2, 16, "MKT", "Resolved", Mar.AddDays(4), acceptH: 1, resolveH: 10, due: Mar.AddDays(20), escalated: true);
        await Clue("ST20250306-0005", s1, 16, "MKT", "Withdrawn", Mar.AddDays(5));
        // Rows written straight in, not through the product: summarised as a bulk load is.
        await host.Factory.Services.GetRequiredService<ClueStore>().SummariseAllAsync(conn, CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<(long, long)> SchoolAsync(MySqlConnector.MySqlConnection conn, int demoNo) =>
        await conn.QuerySingleAsync<(long, long)>("""
            SELECT s.id, s.town_id FROM schools s JOIN work_groups g ON g.school_id = s.id WHERE g.open_conversation_id = @cid
            """, new { cid = $"demo-cid-school{demoNo:D2}" });

    private async Task<long> ExportAuditsAsync(long actor)
    {
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'Export' AND actor_user_id = @actor", new { actor });
    }

    private async Task<long> UserIdAsync(string dingTalkId)
    {
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = @dingTalkId", new { dingTalkId });
    }

    private static Dictionary<string, long> Counts(JsonElement rows) =>
        rows.EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("count").GetInt64());

    [Fact]
    public async Task Admin_SeesTheWholeDistrict_WithDurationsRatesHotSpotAndOpenSeries()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var report = await admin.GetFromJsonAsync<JsonElement>($"/api/statistics?{Period}");
        var clues = report.GetProperty("clues");
        Assert.Equal(5, clues.GetProperty("total").GetInt32());
        Assert.Equal(new Dictionary<string, long> { ["POL"] = 3, ["MKT"] = 2 }, Counts(clues.GetProperty("byLine")));
        Assert.Contains(clues.GetProperty("byLine").EnumerateArray(), r => r.GetProperty("label").GetString() == "市公安局余杭区分局");   // people read the department
        Assert.Equal(2, Counts(clues.GetProperty("byState"))["Resolved"]);
        Assert.Equal(3, Counts(clues.GetProperty("byItem"))["5"]);
        Assert.Equal(2, clues.GetProperty("bySchool").GetArrayLength());
        Assert.Equal("全区", report.GetProperty("scopeZh").GetString());

        // Accepted after 2 h, 4 h and 1 h; resolved after 50 h and 10 h.
        Assert.Equal(2, clues.GetProperty("timeToAccept").GetProperty("medianHours").GetDouble());
        Assert.Equal(30, clues.GetProperty("timeToResolve").GetProperty("medianHours").GetDouble());
        Assert.Equal(46, clues.GetProperty("timeToResolve").GetProperty("p90Hours").GetDouble());
        // Overdue: the one in progress past its due time; escalated: one of five.
        Assert.Equal(0.2, clues.GetProperty("overdueRate").GetDouble());
        Assert.Equal(0.2, clues.GetProperty("escalationRate").GetDouble());
        Assert.Equal(0, clues.GetProperty("returnRate").GetDouble());

        var hot = Assert.Single(clues.GetProperty("hotSpots").EnumerateArray());
        Assert.Equal(5, hot.GetProperty("itemNo").GetInt32());
        Assert.Equal(3, hot.GetProperty("count").GetInt32());

        var days = clues.GetProperty("openByDay").EnumerateArray().ToList();
        Assert.Equal(31, days.Count);
        Assert.Equal(1, days[0].GetProperty("open").GetInt32());     // 3-01: the first report
        Assert.Equal(0, days[3].GetProperty("open").GetInt32());     // 3-04: resolved on 3-03
        Assert.Equal(2, days[30].GetProperty("open").GetInt32());    // 3-31: in progress and pending
    }

    [Fact]
    public async Task DistrictDepartment_SeesOnlyItsLine()
    {
        var pol = await (await host.ClientForAsync("demo-POL-handler")).GetFromJsonAsync<JsonElement>($"/api/statistics?{Period}");
        Assert.Equal(3, pol.GetProperty("clues").GetProperty("total").GetInt32());
        Assert.Equal(["POL"], Counts(pol.GetProperty("clues").GetProperty("byLine")).Keys);
        Assert.Equal("本条线", pol.GetProperty("scopeZh").GetString());

        var mkt = await (await host.ClientForAsync("demo-MKT-liaison")).GetFromJsonAsync<JsonElement>($"/api/statistics?{Period}");
        Assert.Equal(2, mkt.GetProperty("clues").GetProperty("total").GetInt32());
        Assert.Empty(mkt.GetProperty("clues").GetProperty("hotSpots").EnumerateArray());
    }

    [Fact]
    public async Task CoLeader_SeesOnlyTheirSchool_OtherStaffAreRefused()
    {
        var leader = await (await host.ClientForAsync("demo-school01-leader")).GetFromJsonAsync<JsonElement>($"/api/statistics?{Period}");
        Assert.Equal(4, leader.GetProperty("clues").GetProperty("total").GetInt32());
        Assert.Single(leader.GetProperty("clues").GetProperty("bySchool").EnumerateArray());
        Assert.Equal(1, leader.GetProperty("guidance").GetProperty("activeSchools").GetInt64());

        await MiniAppHost.AssertProblemAsync(await (await host.ClientForAsync("demo-school02-officer")).GetAsync($"/api/statistics?{Period}"), HttpStatusCode.Forbidden, "forbidden");
        var grid2 = await (await host.ClientForAsync("demo-school02-grid")).GetFromJsonAsync<JsonElement>($"/api/statistics?{Period}");
        Assert.Equal(1, grid2.GetProperty("clues").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ExportXlsx_OpensWithTheExpectedRows_AndIsAudited()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var adminId = await UserIdAsync("demo-edu-admin");
        var before = await ExportAuditsAsync(adminId);
        var r = await admin.GetAsync($"/api/statistics/export?format=xlsx&{Period}");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", r.Content.Headers.ContentType?.MediaType);
        using var file = new MemoryStream(await r.Content.ReadAsByteArrayAsync());
        var rows = MiniExcel.Query(file, useHeaderRow: true, excelType: ExcelType.XLSX).Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(["ST20250301-0001", "ST20250305-0004", "ST20250306-0005", "ST20250310-0002", "ST20250320-0003"],
            rows.Select(x => (string)x["编号"]).Order(StringComparer.Ordinal).ToArray());
        var withdrawn = rows.Single(x => (string)x["编号"] == "ST20250306-0005");
        Assert.Equal("已撤回", withdrawn["状态"]);
        Assert.Equal("是", rows.Single(x => (string)x["编号"] == "ST20250310-0002")["是否超期"]);
        Assert.Equal(before + 1, await ExportAuditsAsync(adminId));
    }

    [Fact]
    public async Task ExportCsv_OfADepartment_HoldsOnlyItsLine_AndIsAudited()
    {
        var pol = await host.ClientForAsync("demo-POL-liaison");
        var polId = await UserIdAsync("demo-POL-liaison");
        var before = await ExportAuditsAsync(polId);
        var r = await pol.GetAsync($"/api/statistics/export?format=csv&{Period}");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var lines = (await r.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("编号,学校,镇街,事项,条线,状态", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Contains(",市公安局余杭区分局,", l));
        Assert.DoesNotContain(lines, l => l.Contains("ST20250305-0004"));
        Assert.Equal(before + 1, await ExportAuditsAsync(polId));
    }

    [Theory]
    [InlineData("format=pdf&from=2025-03-01&to=2025-03-31", "export.format_invalid")]
    [InlineData("format=csv&from=2025-03-31&to=2025-03-01", "statistics.period_invalid")]
    [InlineData("format=xlsx&from=2023-01-01&to=2025-03-01", "statistics.period_invalid")]
    public async Task Export_BadInput_Is400_AndNotAudited(string query, string code)
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var adminId = await UserIdAsync("demo-edu-admin");
        var before = await ExportAuditsAsync(adminId);
        await MiniAppHost.AssertProblemAsync(await admin.GetAsync($"/api/statistics/export?{query}"), HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await ExportAuditsAsync(adminId));
    }

    [Fact]
    public async Task Export_ByAReporter_Is403_AndNotAudited()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var id = await UserIdAsync("demo-school01-officer");
        var before = await ExportAuditsAsync(id);
        await MiniAppHost.AssertProblemAsync(await officer.GetAsync($"/api/statistics/export?format=csv&{Period}"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, await ExportAuditsAsync(id));
    }

    [Fact]
    public async Task GuidanceCoverage_CountsSchoolsGuidedPerLine()
    {
        var (unit, who) = await PoliceOfSchool1Async();
        var client = await host.ClientForAsync(who);
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd");
        await using (var conn = await host.Db.DataSource.OpenConnectionAsync())
        {
            var s1 = (await SchoolAsync(conn, 1)).Item1;
            for (var i = 0; i < 2; i++)
                Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/guidance", new
                {
                    schoolId = s1, unitId = unit, kind = "Publicity", date = today, summary = "宣传", attendees = "民警", findings = Array.Empty<object>(),
                })).StatusCode);
        }
        var coverage = await (await host.ClientForAsync("demo-edu-admin")).GetFromJsonAsync<JsonElement>($"/api/statistics/guidance-coverage?from={today}&to={today}");
        var pol = coverage.GetProperty("byLine").EnumerateArray().Single(l => l.GetProperty("lineCode").GetString() == "POL");
        Assert.True(pol.GetProperty("schoolsGuided").GetInt64() >= 1);
        Assert.True(pol.GetProperty("records").GetInt64() >= 2);
        Assert.True(coverage.GetProperty("activeSchools").GetInt64() >= 20);

        var mkt = await (await host.ClientForAsync("demo-MKT-handler")).GetFromJsonAsync<JsonElement>($"/api/statistics/guidance-coverage?from={today}&to={today}");
        Assert.All(mkt.GetProperty("byLine").EnumerateArray(), l => Assert.Equal("MKT", l.GetProperty("lineCode").GetString()));
    }

    private async Task<(long Unit, string DingTalkId)> PoliceOfSchool1Async()
    {
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<(long, string)>("""
            SELECT m.unit_id, u.dingtalk_user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id JOIN users u ON u.id = m.user_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
    }
}
