using System.Text.RegularExpressions;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Chatbot;

namespace SchoolSafety.Core.Tests.Cards;

/// <summary>Every page the product links to is a route of the mini-app's router (router.js), and the to-do list is one page for all.</summary>
public sealed partial class MiniAppPagesTests
{
    [GeneratedRegex(@"\{\s*path:\s*'([^']+)'")] private static partial Regex RoutePath();

    private static IReadOnlyList<Regex> Routes()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SchoolSafety.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var router = File.ReadAllText(Path.Combine(dir.FullName, "src", "MiniApp.Api", "ClientApp", "src", "router.js"));
        return RoutePath().Matches(router).Select(m => m.Groups[1].Value)
            .Where(p => !p.StartsWith("/:rest", StringComparison.Ordinal))   // the not-found page catches everything
            .Select(p => new Regex("^" + Regex.Replace(p, @":\w+\((\\\\d\+)\)", @"\d+") + "$"))
            .ToList();
    }

    public static TheoryData<string> Linked() =>
        [MiniAppPages.Home, MiniAppPages.Todos, MiniAppPages.Clues, MiniAppPages.Statistics, MiniAppPages.Clue(42), MiniAppPages.Guidance(7)];

    [Theory]
    [MemberData(nameof(Linked))]
    public void LinkedPage_IsARouteOfTheMiniApp(string page)
    {
        var routes = Routes();
        Assert.True(routes.Count >= 10, "router.js was not read");
        Assert.Contains(routes, r => r.IsMatch(page));
    }

    /// <summary>The chatbot's link to the to-do list (the reminders' is checked in ReminderServiceTests, on the rendered message).</summary>
    [Fact]
    public void Chatbot_LinksTheToDoPage()
    {
        var links = new CardOptions { MiniAppId = "app1" };
        var text = ChatbotReplies.ToDo([new Core.Clues.ClueListItem { Id = 1, Number = "XA20261130-0001" }], links).Text;
        Assert.EndsWith("[在小程序中查看全部](dingtalk://dingtalkclient/action/open_mini_app?miniAppId=app1&page=%2Ftodos)", text);
        Assert.Contains(Routes(), r => r.IsMatch(MiniAppPages.Todos));
    }
}
