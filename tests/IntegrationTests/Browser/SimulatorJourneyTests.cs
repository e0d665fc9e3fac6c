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

    [Fact]
    public async Task Officer_Reports_Handler_SeesCard_AndGroupNotice_Accepts_StaleCardSaysSo_ChatbotAnswers()
    {
        // The officer reports in the mini-app.
        string description;
        await using (var officer = await host.SignedInAsync(Officer, "/report"))
        {
            description = await BrowserHost.FillReportAsync(officer.Page, $"校门口护栏松动 {Guid.NewGuid():N}");
            await officer.Page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
            await Assertions.Expect(officer.Page.GetByText("上报成功")).ToBeVisibleAsync();
            officer.AssertNoErrors();
        }
        var id = await host.ClueIdAsync(description);
        var number = await host.ScalarAsync<string>("SELECT number FROM clues WHERE id = @id", new { id });
        var handlerId = await host.ScalarAsync<string>("SELECT u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.assignee_user_id WHERE c.id = @id", new { id });

        // The handler's robot chat and the school's group, in the simulator.
        await using var handler = await ViewAsAsync(handlerId);
        var page = handler.Page;
        await Assertions.Expect(Chat(page, "校安一件事")).ToBeVisibleAsync();
        await Chat(page, SchoolGroup).ClickAsync();
        await Assertions.Expect(Messages(page).GetByText(number).First).ToBeVisibleAsync();
        await Chat(page, "校安一件事").ClickAsync();

        // 帮助 and 我的待办 in the chat box are answered in the chat.
        await page.GetByRole(AriaRole.Textbox, new() { Name = "消息" }).FillAsync("帮助");
        await page.GetByRole(AriaRole.Button, new() { Name = "发送", Exact = true }).ClickAsync();
        await Assertions.Expect(Messages(page).GetByRole(AriaRole.Heading, new() { Name = "校安一件事 · 机器人" })).ToBeVisibleAsync();
        // The help's link opens the mini-app as this person.
        var help = Messages(page).GetByRole(AriaRole.Link, new() { Name = "打开小程序" }).Last;
        await Assertions.Expect(help).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(host.BaseUrl + "/login?as=" + handlerId)));
        await page.GetByRole(AriaRole.Textbox, new() { Name = "消息" }).FillAsync("我的待办");
        await page.GetByRole(AriaRole.Button, new() { Name = "发送", Exact = true }).ClickAsync();
        await Assertions.Expect(Messages(page).GetByRole(AriaRole.Heading, new() { Name = "我的待办（1）" })).ToBeVisibleAsync();
        await Assertions.Expect(Messages(page).Locator(".msg:not(.mine)").Filter(new() { HasText = number })).Not.ToHaveCountAsync(0);
        await handler.CheckPageAsync("20-simulator-handler");
        handler.AssertNoErrors();
    }
}

[Collection(Infrastructure.DatabaseCollection.Name)]
public sealed class SimulatorHttpJourneyTests(HttpSimulatorHost host) : SimulatorJourneyTests(host), IClassFixture<HttpSimulatorHost>;

[Collection(Infrastructure.DatabaseCollection.Name)]
public sealed class SimulatorStreamJourneyTests(StreamSimulatorHost host) : SimulatorJourneyTests(host), IClassFixture<StreamSimulatorHost>;
