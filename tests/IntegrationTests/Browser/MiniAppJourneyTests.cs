using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Tests.Photos;
using SchoolSafety.IntegrationTests.Infrastructure;
using SkiaSharp;

namespace SchoolSafety.IntegrationTests.Browser;

/// <summary>
/// The mini-app as people use it, in a phone-sized Chromium with DingTalk's user agent, on the real host: one test per
/// journey, driven by role and visible Chinese text. Every page visited is screenshotted under .local/screenshots and
/// checked with axe; no journey may log a console error.
/// </summary>
[Collection(Infrastructure.DatabaseCollection.Name)]
public sealed class MiniAppJourneyTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    private const string Officer = "demo-school01-officer";
    private const string OtherSchoolOfficer = "demo-school02-officer";
    private const string Admin = "demo-edu-admin";

    private static FilePayload Photo(string name, byte r) => new()
    {
        Name = name, MimeType = "image/jpeg",
        Buffer = TestImages.Encode(64 + r % 7, 48, SKEncodedImageFormat.Jpeg),
    };

    private Task<Person> SignedInAsync(string dingTalkUserId, string path, bool legacyClient = false) => host.SignedInAsync(dingTalkUserId, path, legacyClient);

    private static Task<string> FillReportAsync(IPage page, string description, params FilePayload[] photos) => BrowserHost.FillReportAsync(page, description, photos);

    private Task<long> ClueIdAsync(string description) => host.ClueIdAsync(description);

    private Task<T> Scalar<T>(string sql, object args) => host.ScalarAsync<T>(sql, args);

    [Fact]
    public async Task Officer_Reports_WithTwoPhotos_Handler_AcceptsAndResolves_WithEvidence_Officer_SeesResolved()
    {
        await using var officer = await SignedInAsync(Officer, "/");
        var calls = await officer.Page.EvaluateAsync<JsonElement>("window.__ddCalls");
        Assert.Equal(1, calls.GetArrayLength());   // the free login asked DingTalk once, then our /api/auth/dingtalk
        Assert.Equal("requestAuthCode", calls[0].GetProperty("name").GetString());
        var description = await FillReportAsync(officer.Page, $"东门外护栏松动，放学时学生拥挤 {Guid.NewGuid():N}", Photo("a.jpg", 1), Photo("b.jpg", 2));
        await Assertions.Expect(officer.Page.GetByText("2/9 张")).ToBeVisibleAsync();
        await officer.CheckPageAsync("01-report");
        await officer.Page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(officer.Page.GetByText("上报成功")).ToBeVisibleAsync();
        await officer.Page.GetByRole(AriaRole.Button, new() { Name = "查看线索" }).ClickAsync();
        await Assertions.Expect(officer.Page.GetByText(description)).ToBeVisibleAsync();
        await Assertions.Expect(officer.Page.GetByRole(AriaRole.Button, new() { Name = "查看线索照片第 2 张" })).ToBeVisibleAsync();
        var id = await ClueIdAsync(description);
        var number = await Scalar<string>("SELECT number FROM clues WHERE id = @id", new { id });
        await officer.CheckPageAsync("03-clue-detail-reporter");

        var handlerId = await Scalar<string>("SELECT u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.assignee_user_id WHERE c.id = @id", new { id });
        await using var handler = await SignedInAsync(handlerId, "/todos");
        await handler.Page.GetByRole(AriaRole.Heading, new() { Name = "我的待办" }).WaitForAsync();
        await handler.Page.GetByText(number).ClickAsync();
        await handler.Page.GetByRole(AriaRole.Button, new() { Name = "签收", Exact = true }).ClickAsync();
        await handler.Page.GetByRole(AriaRole.Button, new() { Name = "确认签收", Exact = true }).ClickAsync();
        await Assertions.Expect(handler.Page.GetByRole(AriaRole.Button, new() { Name = "办结", Exact = true })).ToBeVisibleAsync();
        await handler.Page.GetByRole(AriaRole.Button, new() { Name = "办结", Exact = true }).ClickAsync();
        await handler.Page.GetByRole(AriaRole.Button, new() { Name = "确认办结", Exact = true }).ClickAsync();
        await Assertions.Expect(handler.Page.GetByRole(AriaRole.Alert).GetByText("请填写办结情况说明")).ToBeVisibleAsync();
        await handler.Page.GetByPlaceholder("请填写办结情况说明").FillAsync("已联系物业加固护栏，并安排放学时段值守");
        await handler.Page.Locator(".van-popup input[type=file]").SetInputFilesAsync(Photo("evidence.jpg", 3));
        await handler.CheckPageAsync("04-clue-resolve");
        await handler.Page.GetByRole(AriaRole.Button, new() { Name = "确认办结", Exact = true }).ClickAsync();
        await Assertions.Expect(handler.Page.GetByRole(AriaRole.Button, new() { Name = "查看办结照片第 1 张" })).ToBeVisibleAsync();

        await officer.Page.ReloadAsync();
        await Assertions.Expect(officer.Page.Locator(".van-steps").GetByText("已办结").First).ToBeVisibleAsync();
        await Assertions.Expect(officer.Page.GetByText("已联系物业加固护栏，并安排放学时段值守")).ToBeVisibleAsync();
        Assert.Equal("Resolved", await Scalar<string>("SELECT state FROM clues WHERE id = @id", new { id }));
        officer.AssertNoErrors();
        handler.AssertNoErrors();
    }

    [Fact]
    public async Task EmptyReport_ShowsChineseErrors_AndSendsNothing()
    {
        await using var officer = await SignedInAsync(Officer, "/report");
        await officer.Page.GetByRole(AriaRole.Heading, new() { Name = "上报线索" }).WaitForAsync();
        var before = await Scalar<long>("SELECT COUNT(*) FROM clues", new { });
        var posted = 0;
        officer.Page.Request += (_, r) => { if (r.Method == "POST" && r.Url.EndsWith("/api/clues")) posted++; };
        await officer.Page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(officer.Page.GetByText("请选择隐患类别")).ToBeVisibleAsync();
        await Assertions.Expect(officer.Page.GetByText("请填写线索描述")).ToBeVisibleAsync();
        await officer.CheckPageAsync("02-report-errors");
        Assert.Equal(0, posted);
        Assert.Equal(before, await Scalar<long>("SELECT COUNT(*) FROM clues", new { }));
        officer.AssertNoErrors();
    }

    [Fact]
    public async Task DoubleTapOnSubmit_MakesOneClue()
    {
        await using var officer = await SignedInAsync(Officer, "/report");
        var description = await FillReportAsync(officer.Page, $"校门口夜间照明损坏 {Guid.NewGuid():N}", Photo("c.jpg", 4));
        // Two taps in the same instant, as a double tap on a slow phone.
        await officer.Page.GetByRole(AriaRole.Button, new() { Name = "提交" }).EvaluateAsync("b => { b.click(); b.click(); }");
        await Assertions.Expect(officer.Page.GetByText("上报成功")).ToBeVisibleAsync();
        Assert.Equal(1L, await Scalar<long>("SELECT COUNT(*) FROM clues WHERE description = @description", new { description }));
        officer.AssertNoErrors();
    }

    [Fact]
    public async Task OfficerOfAnotherSchool_OpeningTheClueAddress_SeesNoAccess_AndNoData()
    {
        var description = $"操场围墙裂缝 {Guid.NewGuid():N}";
        await using (var officer = await SignedInAsync(Officer, "/report"))
        {
            await FillReportAsync(officer.Page, description);
            await officer.Page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
            await Assertions.Expect(officer.Page.GetByText("上报成功")).ToBeVisibleAsync();
        }
        var id = await ClueIdAsync(description);
        await using var other = await SignedInAsync(OtherSchoolOfficer, $"/clues/{id}");
        await Assertions.Expect(other.Page.GetByText("无权查看")).ToBeVisibleAsync();
        var text = await other.Page.Locator("body").InnerTextAsync();
        Assert.DoesNotContain(description, text);
        Assert.DoesNotContain("XA", text);
        await other.CheckPageAsync("05-clue-no-access");
        other.AssertNoErrors();
    }

    [Fact]
    public async Task PastTheCountLimit_TheListSaysMoreThanThat_AndLoadsTheNextPage()
    {
        try
        {
            await ManyClues.InsertAsync(host.Db.DataSource, DateTime.UtcNow);
            await using var admin = await SignedInAsync(Admin, "/clues");
            await admin.Page.GetByRole(AriaRole.Radio, new() { Name = "全部可见" }).ClickAsync();
            await Assertions.Expect(admin.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "条" })).ToHaveTextAsync($"超过 {ClueStore.CountLimit} 条");
            await Assertions.Expect(admin.Page.GetByText("CAP-1 ·")).ToBeVisibleAsync();
            await admin.Page.GetByText("CAP-20 ·").ScrollIntoViewIfNeededAsync();
            await Assertions.Expect(admin.Page.GetByText("CAP-21 ·")).ToBeVisibleAsync();   // the next page came
            admin.AssertNoErrors();
        }
        finally
        {
            await ManyClues.DeleteAsync(host.Db.DataSource);
        }
    }

    [Fact]
    public async Task Dashboard_DrawsItsCharts_FromTheApisFigures()
    {
        // Two clues of two categories reported through the API, so the figures are not all zero.
        using var api = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var login = await api.PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId = Officer });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var item in new[] { "4", "17" })
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent(item), "itemNo" }, { new StringContent($"统计用线索 {Guid.NewGuid():N}"), "description" },
                { new StringContent(Guid.NewGuid().ToString()), "idempotencyKey" },
            };
            (await api.PostAsync("/api/clues", form)).EnsureSuccessStatusCode();
        }

        await using var admin = await SignedInAsync(Admin, "/statistics");
        var stats = admin.Page.WaitForResponseAsync(r => r.Url.Contains("/api/statistics?"));
        await admin.Page.GetByRole(AriaRole.Heading, new() { Name = "统计（会商研判）" }).WaitForAsync();
        var figures = await (await stats).JsonAsync<JsonElement>();
        await Assertions.Expect(admin.Page.Locator("canvas")).ToHaveCountAsync(4);
        var total = figures.GetProperty("clues").GetProperty("total").GetInt32();
        Assert.True(total >= 2, $"the API counted {total} clues");
        await Assertions.Expect(admin.Page.Locator("[data-figure=total]")).ToHaveTextAsync(total.ToString());
        // ECharts describes each chart's data in its container's aria-label: the town chart names the API's towns and counts.
        var town = figures.GetProperty("clues").GetProperty("byTown")[0];
        await Assertions.Expect(admin.Page.Locator(".chart").Nth(1)).ToHaveAttributeAsync("aria-label",
            new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(town.GetProperty("label").GetString()!) + ".{0,12}" + town.GetProperty("count").GetInt64()));
        // The chart library is loaded with this page only.
        Assert.Contains(await admin.Page.EvaluateAsync<string[]>("performance.getEntriesByType('resource').map(e => e.name)"), n => n.Contains("/assets/charts-"));
        await admin.CheckPageAsync("06-statistics");
        admin.AssertNoErrors();
    }

    [Fact]
    public async Task EveryOtherPage_Renders_InChinese_WithoutSeriousAccessibilityProblems()
    {
        await using (var plain = await host.PersonAsync(null))
        {
            await plain.Page.GotoAsync("/login");
            await Assertions.Expect(plain.Page.GetByText("本地演示：选择一位演示人员登录")).ToBeVisibleAsync();
            await plain.CheckPageAsync("00-login-demo-people");
            plain.AssertNoErrors();
        }
        await using var officer = await SignedInAsync(Officer, "/clues");
        foreach (var (path, heading, name) in new[] { ("/clues", "线索列表", "07-clue-list"), ("/todos", "我的待办", "08-todos"), ("/more", "更多", "09-more"),
                     ("/tasks", "整改任务", "10-tasks"), ("/guidance", "服务指导", "11-guidance") })
        {
            await officer.Page.GotoAsync(path);
            await officer.Page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true }).WaitForAsync();
            await officer.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await officer.CheckPageAsync(name);
        }
        // An expired access token renews itself through /api/auth/refresh, and the page loads as before.
        await officer.Page.EvaluateAsync("() => { const s = JSON.parse(localStorage.getItem('schoolsafety.session')); s.accessToken = 'expired'; localStorage.setItem('schoolsafety.session', JSON.stringify(s)); }");
        var refresh = officer.Page.WaitForRequestAsync(r => r.Url.EndsWith("/api/auth/refresh"));
        await officer.Page.GotoAsync("/todos");
        await refresh;
        await officer.Page.GetByRole(AriaRole.Heading, new() { Name = "我的待办", Exact = true }).WaitForAsync();
        await Assertions.Expect(officer.Page.GetByText("暂无待办，辛苦了")).ToBeVisibleAsync();
        officer.AssertNoErrors();

        // An old DingTalk client: the legacy free-login call gives the code.
        await using var admin = await SignedInAsync(Admin, "/admin", legacyClient: true);
        Assert.Equal("runtime.permission.requestAuthCode", (await admin.Page.EvaluateAsync<JsonElement>("window.__ddCalls"))[0].GetProperty("name").GetString());
        foreach (var (path, heading, name) in new[] { ("/admin", "管理", "12-admin"), ("/worklist", "工作清单", "13-worklist"), ("/guidance/new", "记录服务指导", "14-guidance-new") })
        {
            await admin.Page.GotoAsync(path);
            await admin.Page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true }).WaitForAsync();
            await admin.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await admin.CheckPageAsync(name);
        }
        admin.AssertNoErrors();
    }
}
