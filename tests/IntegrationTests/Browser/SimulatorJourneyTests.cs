using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Playwright;

namespace SchoolSafety.IntegrationTests.Browser;

/// <summary>
/// DingTalk on the desk: a school officer reports in the mini-app, and the DingTalk simulator shows what DingTalk would
/// show each person — the card in the handler's robot chat, the notice in the school's group — and presses its buttons
/// as DingTalk does (a signed HTTP callback, or a CALLBACK frame on the simulator's Stream gateway). Run once with the
/// hosts on HTTP callbacks and once in Stream mode.
/// </summary>
public abstract class SimulatorJourneyTests(SimulatorHost host)
{
    private const string Officer = "demo-school01-officer";
    private const string SchoolGroup = "五常中心小学护校安园工作组";

    /// <summary>How DingTalk reaches the hosts in this class: <c>HTTP</c> or <c>Stream</c>.</summary>
    protected abstract string Transport { get; }

    /// <summary>The simulator page in a desktop-sized browser, viewing as one person.</summary>
    private async Task<Person> ViewAsAsync(string dingTalkUserId)
    {
        var person = await host.PersonAsync(null);
        await person.Page.SetViewportSizeAsync(1400, 900);
        await person.Page.GotoAsync($"{host.SimulatorUrl}?as={Uri.EscapeDataString(dingTalkUserId)}");
        await Assertions.Expect(person.Page.Locator("#who")).ToContainTextAsync(dingTalkUserId);
        return person;
    }

    private static ILocator Chat(IPage page, string title) => page.GetByRole(AriaRole.Tab, new() { Name = title });

    private static ILocator Messages(IPage page) => page.GetByRole(AriaRole.Log, new() { Name = "消息" });

    /// <summary>The clue's card in the open chat.</summary>
    private static ILocator Card(IPage page, string number) =>
        Messages(page).GetByRole(AriaRole.Article, new() { Name = $"卡片：校园安全线索 {number}" });

    private static ILocator Button(ILocator scope, string name) => scope.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    [Fact]
    public async Task Officer_Reports_Handler_SeesCard_AndGroupNotice_Accepts_StaleCardSaysSo_ChatbotAnswers()
    {
        // The officer reports in the mini-app.
        string description;
        await using (var officer = await host.SignedInAsync(Officer, "/report"))
        {
            // Markup and a script link in what a person typed must reach every chat as text.
            description = await BrowserHost.FillReportAsync(officer.Page,
                $"校门口护栏松动 <img src=x onerror=\"window.__xss=1\"> [点我](javascript:window.__xss=2) {Guid.NewGuid():N}");
            await officer.Page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
            await Assertions.Expect(officer.Page.GetByText("上报成功")).ToBeVisibleAsync();
            officer.AssertNoErrors();
        }
        var id = await host.ClueIdAsync(description);
        var number = await host.ScalarAsync<string>("SELECT number FROM clues WHERE id = @id", new { id });
        var handlerId = await host.ScalarAsync<string>("SELECT u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.assignee_user_id WHERE c.id = @id", new { id });

        // In the simulator, as the handler: the card with 签收 in the robot chat, the notice in the school's group.
        await using var handler = await ViewAsAsync(handlerId);
        var page = handler.Page;
        var card = Card(page, number);
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(Button(card, "签收")).ToBeVisibleAsync();
        await Assertions.Expect(Button(card, "办结")).ToHaveCountAsync(0);
        await Assertions.Expect(card.GetByText("待签收")).ToBeVisibleAsync();
        var todo = page.GetByRole(AriaRole.List, new() { Name = "待办列表" }).GetByRole(AriaRole.Listitem).Filter(new() { HasText = $"签收线索：{number}" });
        await Assertions.Expect(todo).ToContainTextAsync("未完成");
        await Chat(page, SchoolGroup).ClickAsync();
        await Assertions.Expect(Messages(page).GetByText(number).First).ToBeVisibleAsync();
        await handler.CheckPageAsync("20-simulator-group-notice");
        await Chat(page, "校安一件事").ClickAsync();

        // 签收 on the card: a callback as DingTalk sends it; the answer shows at once, then the update reaches every copy.
        await Button(card, "签收").ClickAsync();
        await Assertions.Expect(card.GetByRole(AriaRole.Status)).ToContainTextAsync($"回调（{Transport}）：已签收");
        await Assertions.Expect(card.Locator(".tag")).ToHaveTextAsync("处置中");
        await Assertions.Expect(Button(card, "签收")).ToHaveCountAsync(0);
        await Assertions.Expect(Button(card, "办结")).ToBeVisibleAsync();
        Assert.Equal("InProgress", await host.ScalarAsync<string>("SELECT state FROM clues WHERE id = @id", new { id }));
        await Assertions.Expect(todo).ToContainTextAsync("已完成");   // the accept to-do is done in DingTalk
        await handler.CheckPageAsync("21-simulator-card-accepted");

        // The same card as DingTalk holds it: only the handler got a copy, so nobody else sees it or its buttons.
        Assert.Empty(await HoldersAsync(id, handlerId));
        await using (var reporter = await ViewAsAsync(Officer))
        {
            await Assertions.Expect(Chat(reporter.Page, "校安一件事")).ToHaveAttributeAsync("aria-selected", "true");
            await Assertions.Expect(Card(reporter.Page, number)).ToHaveCountAsync(0);
            await Chat(reporter.Page, SchoolGroup).ClickAsync();
            await Assertions.Expect(Messages(reporter.Page).GetByText(number).First).ToBeVisibleAsync();
            await Assertions.Expect(Messages(reporter.Page).GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
            reporter.AssertNoErrors();
        }

        // 查看详情 opens the mini-app as the handler, where the clue is 处置中 too.
        var app = await page.RunAndWaitForPopupAsync(() => card.GetByRole(AriaRole.Link, new() { Name = "查看详情" }).ClickAsync());
        await app.WaitForURLAsync(u => u.Contains($"/clues/{id}"));
        await Assertions.Expect(app.GetByText(number).First).ToBeVisibleAsync();
        await Assertions.Expect(app.Locator(".van-steps").GetByText("处置中").First).ToBeVisibleAsync();
        await app.CloseAsync();

        // A stale card: the handler resolves in the mini-app while DingTalk has not yet updated the card; its 办结 says so.
        await host.PauseDispatchAsync();
        try
        {
            (await host.ActAsync(handlerId, id, "resolve", 2, "已联系城管加固护栏")).EnsureSuccessStatusCode();
            await card.GetByRole(AriaRole.Textbox).FillAsync("现场已处理");
            await Button(card, "办结").ClickAsync();
            await Assertions.Expect(card.GetByRole(AriaRole.Status)).ToContainTextAsync("线索已被他人更新");
            await Assertions.Expect(card.Locator(".tag")).ToHaveTextAsync("已办结");
        }
        finally
        {
            host.ResumeDispatch();
        }
        Assert.Equal("Resolved", await host.ScalarAsync<string>("SELECT state FROM clues WHERE id = @id", new { id }));
        await Assertions.Expect(Button(card, "满意")).ToHaveCountAsync(0);   // the rating is not the handler's

        // 回访: the resolve delivered the card to the officer who reported it, the rating buttons theirs; 不满意 needs a reason.
        await using (var rater = await ViewAsAsync(Officer))
        {
            var rating = Card(rater.Page, number);
            await Assertions.Expect(rating).ToBeVisibleAsync();
            await Assertions.Expect(Button(rating, "基本满意")).ToBeVisibleAsync();
            await Button(rating, "不满意").ClickAsync();
            await Assertions.Expect(rating.GetByRole(AriaRole.Status)).ToContainTextAsync("请填写不满意的原因");
            await Button(rating, "满意").ClickAsync();
            await Assertions.Expect(rating.GetByRole(AriaRole.Status)).ToContainTextAsync($"回调（{Transport}）：感谢您的评价");
            await Assertions.Expect(Button(rating, "基本满意")).ToHaveCountAsync(0);
            rater.AssertNoErrors();
        }
        Assert.Equal("Satisfied", await host.ScalarAsync<string>("SELECT rating FROM clues WHERE id = @id", new { id }));

        // 帮助 and 我的待办 in the chat box are answered in the chat.
        var box = page.GetByRole(AriaRole.Textbox, new() { Name = "消息" });
        await box.FillAsync("帮助");
        await page.GetByRole(AriaRole.Button, new() { Name = "发送", Exact = true }).ClickAsync();
        await Assertions.Expect(Messages(page).GetByRole(AriaRole.Heading, new() { Name = "校安一件事 · 机器人" })).ToBeVisibleAsync();
        // The help's link opens the mini-app as this person.
        var help = Messages(page).GetByRole(AriaRole.Link, new() { Name = "打开小程序" }).Last;
        await Assertions.Expect(help).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(host.BaseUrl + "/login?as=" + handlerId)));
        await box.FillAsync("我的待办");
        await page.GetByRole(AriaRole.Button, new() { Name = "发送", Exact = true }).ClickAsync();
        await Assertions.Expect(Messages(page).GetByRole(AriaRole.Heading, new() { Name = "我的待办" })).ToBeVisibleAsync();
        await handler.CheckPageAsync("22-simulator-chatbot");

        // The school's digest now, from the group.
        await Chat(page, SchoolGroup).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "发送本群今日简报" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("今日简报已排队");
        await Assertions.Expect(Messages(page).GetByText("护校安园每日简报").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "立即运行提醒" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("提醒");

        // Nothing a person typed ran or became a link.
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        Assert.Equal(0, await page.Locator("a[href^='javascript'], img[src='x']").CountAsync());
        handler.AssertNoErrors();
    }

    /// <summary>The DingTalk ids of the card's holders but one (card_copies).</summary>
    private async Task<List<string>> HoldersAsync(long clueId, string except)
    {
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        return (await Dapper.SqlMapper.QueryAsync<string>(conn,
            "SELECT u.dingtalk_user_id FROM card_copies c JOIN users u ON u.id = c.user_id WHERE c.clue_id = @clueId AND u.dingtalk_user_id <> @except",
            new { clueId, except })).ToList();
    }
}

[Collection(Infrastructure.DatabaseCollection.Name)]
public sealed class SimulatorHttpJourneyTests(HttpSimulatorHost host) : SimulatorJourneyTests(host), IClassFixture<HttpSimulatorHost>
{
    protected override string Transport => "HTTP";
}

[Collection(Infrastructure.DatabaseCollection.Name)]
public sealed class SimulatorStreamJourneyTests(StreamSimulatorHost host) : SimulatorJourneyTests(host), IClassFixture<StreamSimulatorHost>
{
    protected override string Transport => "Stream";

    /// <summary>
    /// The simulator's gateway speaks facts §3 with the product's Stream client: a ticket opens one connection, a ping is
    /// echoed, an event is stored and ACKed SUCCESS, and after a disconnect the client comes back with a fresh ticket.
    /// </summary>
    [Fact]
    public async Task Gateway_OneUseTickets_EchoedPing_AckedEvent_ReconnectAfterDisconnect()
    {
        using var http = new HttpClient { BaseAddress = new Uri(host.SimulatorUrl) };
        var open = new { clientId = "schoolsafety-offline", clientSecret = "schoolsafety-offline", subscriptions = new[] { new { type = "EVENT", topic = "*" } } };
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("v1.0/gateway/connections/open", open)).StatusCode);   // no Accept: application/json
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1.0/gateway/connections/open") { Content = JsonContent.Create(open) };
        request.Headers.Accept.ParseAdd("application/json");
        var answer = await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        var url = new Uri($"{answer.GetProperty("endpoint").GetString()}?ticket={Uri.EscapeDataString(answer.GetProperty("ticket").GetString()!)}");
        using (var first = new ClientWebSocket())
        {
            await first.ConnectAsync(url, CancellationToken.None);
            using var again = new ClientWebSocket();
            var refused = await Assert.ThrowsAsync<WebSocketException>(() => again.ConnectAsync(url, CancellationToken.None));
            Assert.Contains("401", refused.Message);
            await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        var pinged = await (await http.PostAsync("api/stream/ping", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(pinged.GetProperty("echoed").GetBoolean());

        var eventType = "user_modify_org";
        var ack = await (await http.PostAsJsonAsync("api/stream/event", new { eventType, data = new { eventId = Guid.NewGuid().ToString("N"), userId = new[] { "demo-edu-admin" } } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(200, ack.GetProperty("code").GetInt32());
        Assert.Equal("SUCCESS", JsonDocument.Parse(ack.GetProperty("data").GetString()!).RootElement.GetProperty("status").GetString());
        Assert.True(await host.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE source = 'stream' AND event_type = @eventType", new { eventType }) >= 1);

        var opened = (await http.GetFromJsonAsync<JsonElement>("api/stream")).GetProperty("opened").GetInt32();
        await http.PostAsync("api/stream/disconnect", null);
        await host.WaitForStreamAsync(opened + 1);
    }
}
