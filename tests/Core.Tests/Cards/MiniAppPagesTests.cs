using System.Reflection;
using System.Text.RegularExpressions;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Chatbot;

namespace SchoolSafety.Core.Tests.Cards;

/// <summary>
/// Every link the product makes is in DingTalk's H5 scheme (facts §11: <c>dingtalk://dingtalkclient/page/link?url=…&amp;pc_slide=true</c>),
/// is made in one place (<see cref="CardOptions.Link"/>) for a page of <see cref="MiniAppPages"/>, and opens a route of the
/// mini-app's router (router.js).
/// </summary>
public sealed partial class MiniAppPagesTests
{
    [GeneratedRegex(@"\{\s*path:\s*'([^']+)'")] private static partial Regex RoutePath();

    private static readonly CardOptions Links = new() { MiniAppUrl = "https://xa.example.cn" };

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SchoolSafety.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return dir.FullName;
    }

    private static IReadOnlyList<Regex> Routes()
    {
        var router = File.ReadAllText(Path.Combine(RepoRoot(), "src", "MiniApp.Api", "ClientApp", "src", "router.js"));
        return RoutePath().Matches(router).Select(m => m.Groups[1].Value)
            .Where(p => !p.StartsWith("/:rest", StringComparison.Ordinal))   // the not-found page catches everything
            .Select(p => new Regex("^" + Regex.Replace(p, @":\w+\((\\\\d\+)\)", @"\d+") + "$"))
            .ToList();
    }

    /// <summary>Every page of <see cref="MiniAppPages"/>: its constants, and its methods for one record (with an id).</summary>
    public static TheoryData<string> Linked()
    {
        var data = new TheoryData<string>();
        foreach (var f in typeof(MiniAppPages).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            data.Add((string)f.GetRawConstantValue()!);
        foreach (var m in typeof(MiniAppPages).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.ReturnType == typeof(string)))
            data.Add((string)m.Invoke(null, [42L])!);
        return data;
    }

    /// <summary>The page a link opens: the H5 scheme checked, the url= parameter decoded, the path under the mini-app's address.</summary>
    private static string PageOf(string link, string baseUrl = "https://xa.example.cn")
    {
        Assert.StartsWith("dingtalk://dingtalkclient/page/link?", link);
        var query = link["dingtalk://dingtalkclient/page/link?".Length..].Split('&')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal(["url", "pc_slide"], query.Keys);
        Assert.Equal("true", query["pc_slide"]);
        var url = new Uri(query["url"]);
        Assert.StartsWith(baseUrl + "/", url.AbsoluteUri);
        return url.AbsolutePath;
    }

    [Theory]
    [MemberData(nameof(Linked))]
    public void EveryLinkKind_IsInTheH5Scheme_AndOpensARouteOfTheMiniApp(string page)
    {
        var routes = Routes();
        Assert.True(routes.Count >= 10, "router.js was not read");
        var opened = PageOf(Links.Link(page));
        Assert.Equal(page.Split('?')[0], opened);
        Assert.Contains(routes, r => r.IsMatch(opened));
    }

    [Fact]
    public void ClueAndGuidanceLinks_OpenTheirPages()
    {
        Assert.Equal("/clues/42", PageOf(Links.ClueLink(42)));
        Assert.Equal("/guidance/7", PageOf(Links.GuidanceLink(7)));
        Assert.Equal("dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fxa.example.cn%2Fclues%2F42&pc_slide=true", Links.ClueLink(42));
    }

    /// <summary>A local run with no address set opens the local mini-app host (the DingTalk simulator opens it as the person viewed).</summary>
    [Fact]
    public void NoAddressSet_LinksOpenTheLocalMiniAppHost()
    {
        Assert.Equal("/todos", PageOf(new CardOptions().Link(MiniAppPages.Todos), CardOptions.LocalMiniAppUrl));
        Assert.Equal("/todos", PageOf(new CardOptions { MiniAppUrl = "https://xa.example.cn/" }.Link(MiniAppPages.Todos)));   // no double slash
    }

    [Theory]
    [InlineData("https://xa.example.cn", true)]
    [InlineData("https://xa.example.cn/", true)]
    [InlineData("http://xa.example.cn", false)]
    [InlineData("xa.example.cn", false)]
    [InlineData("https://xa.example.cn/?a=1", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void APublicAddress_MustBeHttps(string? url, bool ok) => Assert.Equal(ok, new CardOptions { MiniAppUrl = url }.HasPublicMiniAppUrl);

    /// <summary>
    /// No link is made anywhere else: no other source file writes a <c>dingtalk://</c> link (the old mini-program form
    /// <c>open_mini_app</c> included), and every call of <see cref="CardOptions.Link"/> names a page of <see cref="MiniAppPages"/>.
    /// </summary>
    [Fact]
    public void LinksAreMadeInOnePlace_ForPagesOfMiniAppPages()
    {
        var src = Path.Combine(RepoRoot(), "src");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.True(files.Count > 100, "the sources were not found");
        var makers = files.Where(f => File.ReadAllText(f).Contains("dingtalk://dingtalkclient", StringComparison.Ordinal)).Select(Path.GetFileName).ToList();
        Assert.Equal(["CardOptions.cs"], makers);
        Assert.DoesNotContain(files, f => File.ReadAllText(f).Contains("open_mini_app", StringComparison.Ordinal));
        var calls = files.SelectMany(f => LinkCall().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value.Trim())).ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, arg => Assert.StartsWith("MiniAppPages.", arg));
    }

    [GeneratedRegex(@"\.Link\(([^()]*(?:\([^()]*\))?[^()]*)\)")] private static partial Regex LinkCall();

    /// <summary>The chatbot's link to the to-do list (the reminders' is checked in ReminderServiceTests, on the rendered message).</summary>
    [Fact]
    public void Chatbot_LinksTheToDoPage()
    {
        var text = ChatbotReplies.ToDo([new Core.Clues.ClueListItem { Id = 1, Number = "XA20261130-0001" }], Links).Text;
        Assert.EndsWith("[在小程序中查看全部](dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fxa.example.cn%2Ftodos&pc_slide=true)", text);
        Assert.Contains(Routes(), r => r.IsMatch(MiniAppPages.Todos));
    }
}
