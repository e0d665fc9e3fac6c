using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

[Collection(DatabaseCollection.Name)]
public sealed class WorkListApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    /// <summary>Item 5 (police, traffic), task 2: 80 new 30 km/h signs by 2022-09-01; its progress emptied first.</summary>
    private async Task<long> SignsTaskAsync()
    {
        var id = await host.ScalarAsync<long>("SELECT id FROM worklist_tasks WHERE item_no = 5 AND seq = 2");
        await host.ScalarAsync<int>("DELETE FROM worklist_progress WHERE task_id = @id", new { id });
        return id;
    }

    private Task<long> ProgressCountAsync(long taskId) => host.ScalarAsync<long>("SELECT COUNT(*) FROM worklist_progress WHERE task_id = @taskId", new { taskId });

    private static string Today() => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd");

    [Fact]
    public async Task List_Has22RowsWithTheirTasks_OngoingTasksAreNeverOverdue()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var items = (await officer.GetFromJsonAsync<JsonElement>("/api/worklist")).EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 22), items.Select(i => i.GetProperty("no").GetInt32()));
        Assert.Equal("POL", items[4].GetProperty("ownerLine").GetString());
        Assert.True(items[4].GetProperty("tasks").GetArrayLength() >= 2);
        var tasks = items.SelectMany(i => i.GetProperty("tasks").EnumerateArray()).ToList();
        Assert.Equal(await host.ScalarAsync<long>("SELECT COUNT(*) FROM worklist_tasks"), tasks.Count);
        Assert.All(tasks.Where(t => t.GetProperty("ongoing").GetBoolean()), t => Assert.False(t.GetProperty("overdue").GetBoolean()));
    }

    [Fact]
    public async Task Report_ByOwningDepartment_IsSummed_AndDoneClearsOverdue()
    {
        var task = await SignsTaskAsync();
        var admin = await host.ClientForAsync("demo-edu-admin");
        var overdue = await admin.GetFromJsonAsync<JsonElement>("/api/worklist/overdue");
        Assert.Contains(overdue.EnumerateArray(), t => t.GetProperty("id").GetInt64() == task);

        var handler = await host.ClientForAsync("demo-POL-handler");
        var first = await handler.PostAsJsonAsync($"/api/worklist/tasks/{task}/progress", new { amount = 30, text = "新增限速标志牌 30 块", date = Today() });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var liaison = await host.ClientForAsync("demo-POL-liaison");
        Assert.Equal(HttpStatusCode.Created, (await liaison.PostAsJsonAsync($"/api/worklist/tasks/{task}/progress", new { amount = 50, date = Today(), done = true })).StatusCode);

        var items = await handler.GetFromJsonAsync<JsonElement>("/api/worklist");
        var row = items.EnumerateArray().Single(i => i.GetProperty("no").GetInt32() == 5).GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("id").GetInt64() == task);
        Assert.Equal(80m, row.GetProperty("progressTotal").GetDecimal());
        Assert.Equal(2, row.GetProperty("progressEntries").GetInt32());
        Assert.True(row.GetProperty("done").GetBoolean());
        Assert.False(row.GetProperty("overdue").GetBoolean());
        Assert.DoesNotContain((await admin.GetFromJsonAsync<JsonElement>("/api/worklist/overdue")).EnumerateArray(), t => t.GetProperty("id").GetInt64() == task);

        var entries = (await admin.GetFromJsonAsync<JsonElement>($"/api/worklist/tasks/{task}/progress")).EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Contains(entries, e => e.GetProperty("text").GetString() == "新增限速标志牌 30 块" && e.GetProperty("amount").GetDecimal() == 30m);
        Assert.All(entries, e => Assert.Equal("市公安局余杭区分局", e.GetProperty("unitName").GetString()));
    }

    [Theory]
    [InlineData("demo-MKT-handler")]
    [InlineData("demo-MKT-liaison")]
    [InlineData("demo-school01-officer")]
    [InlineData("demo-POL-city-handler")]
    public async Task Report_ByAnyoneButTheOwningDistrictDepartment_Is403_AndNothingStored(string who)
    {
        var task = await SignsTaskAsync();
        var client = await host.ClientForAsync(who);
        await MiniAppHost.AssertProblemAsync(await client.PostAsJsonAsync($"/api/worklist/tasks/{task}/progress", new { amount = 1, date = Today() }), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0, await ProgressCountAsync(task));
    }

    [Fact]
    public async Task Report_ByTownLevelUnitOfTheLine_Is403()
    {
        var task = await SignsTaskAsync();
        var townHandler = await host.ScalarAsync<string>("""
            SELECT us.dingtalk_user_id FROM memberships m JOIN units u ON u.id = m.unit_id JOIN users us ON us.id = m.user_id
             WHERE u.line_code = 'POL' AND u.level = 'Town' AND m.role = 'Handler' ORDER BY m.id LIMIT 1
            """);
        var client = await host.ClientForAsync(townHandler);
        await MiniAppHost.AssertProblemAsync(await client.PostAsJsonAsync($"/api/worklist/tasks/{task}/progress", new { amount = 1, date = Today() }), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0, await ProgressCountAsync(task));
    }

    public static TheoryData<object, string> BadReports => new()
    {
        { new { date = "2026-01-05" }, "worklist.progress_empty" },
        { new { text = "   ", date = "2026-01-05" }, "worklist.progress_empty" },
        { new { amount = -1, date = "2026-01-05" }, "worklist.amount_invalid" },
        { new { text = new string('长', 501), date = "2026-01-05" }, "worklist.text_too_long" },
        { new { amount = 3 }, "worklist.date_required" },
        { new { amount = 3, date = "2999-01-01" }, "worklist.date_future" },
    };

    [Theory]
    [MemberData(nameof(BadReports))]
    public async Task Report_BadInput_Is400InChinese_AndNothingStored(object body, string code)
    {
        var task = await SignsTaskAsync();
        var handler = await host.ClientForAsync("demo-POL-handler");
        await MiniAppHost.AssertProblemAsync(await handler.PostAsJsonAsync($"/api/worklist/tasks/{task}/progress", body), HttpStatusCode.BadRequest, code);
        Assert.Equal(0, await ProgressCountAsync(task));
    }

    [Fact]
    public async Task Report_UnknownTask_Is404()
    {
        var handler = await host.ClientForAsync("demo-POL-handler");
        await MiniAppHost.AssertProblemAsync(await handler.PostAsJsonAsync("/api/worklist/tasks/999999999/progress", new { amount = 1, date = Today() }), HttpStatusCode.NotFound, "worklist.task_not_found");
    }

    [Fact]
    public async Task OverdueAndProgress_AreForTheDistrictOnly()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        await MiniAppHost.AssertProblemAsync(await officer.GetAsync("/api/worklist/overdue"), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await officer.GetAsync($"/api/worklist/tasks/{await SignsTaskAsync()}/progress"), HttpStatusCode.Forbidden, "forbidden");
        var mkt = await host.ClientForAsync("demo-MKT-handler");
        Assert.Equal(HttpStatusCode.OK, (await mkt.GetAsync("/api/worklist/overdue")).StatusCode);
    }
}
