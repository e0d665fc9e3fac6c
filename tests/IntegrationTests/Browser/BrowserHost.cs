using System.Text.Json;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SchoolSafety.Core.Demo;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.MiniApp.Api;

namespace SchoolSafety.IntegrationTests.Browser;

/// <summary>
/// The real mini-app host on a real port (Kestrel through WebApplicationFactory) serving the built pages, offline with
/// the demo district, and Debian's chromium driven by Playwright. Pages that were not built, or a missing browser, fail
/// the tests with a message saying so (scripts/test.sh builds the pages and installs the browser).
/// </summary>
public class BrowserHost : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    public const string DingTalkUserAgent =
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.0) com.alibaba.android.rimet/7.6.0 Channel/700159 language/zh-CN";

    public TestDatabase Db { get; } = new();
    public WebApplicationFactory<ApiEntryPoint> Factory { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    public string PhotoFolder { get; } = Path.Combine(Path.GetTempPath(), $"schoolsafety-browser-photos-{Guid.NewGuid():N}");
    public static string RepoRoot { get; } = FindRepoRoot();
    public static string ScreenshotFolder { get; } = Path.Combine(RepoRoot, ".local", "screenshots");
    /// <summary>Where the offline recorder of every host in the test writes DingTalk's calls (the simulator reads it).</summary>
    public string CallsLog => Path.Combine(PhotoFolder, "dingtalk-calls.jsonl");
    private IPlaywright playwright = null!;

    /// <summary>More hosts a derived fixture starts once the mini-app host is up (before the browser).</summary>
    protected virtual Task StartMoreAsync() => Task.CompletedTask;

    /// <summary>Stops what <see cref="StartMoreAsync"/> started (before the mini-app host and the database go).</summary>
    protected virtual Task StopMoreAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var index = Path.Combine(RepoRoot, "src", "MiniApp.Api", "ClientApp", "dist", "index.html");
        if (!File.Exists(index))
            throw new InvalidOperationException($"The mini-app pages are not built ({index} is missing): run `bash scripts/test.sh`, which builds them (scripts/pages.sh).");
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: run `bash scripts/test.sh`, which installs Debian's chromium and fonts-wqy-microhei.");

        await Db.InitializeAsync();
        await Db.ResetAsync();
        Factory = new WebApplicationFactory<ApiEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:SchoolSafety", Db.ConnectionString);
            b.UseSetting("MiniApp:Session:SigningKey", "browser-tests-signing-key-0123456789abcdefgh");
            b.UseSetting("Photos:Folder", PhotoFolder);
            b.UseSetting("DingTalk:OfflineLogPath", CallsLog);
        });
        // A port of the system's choosing on the loopback (UseKestrel(0) falls back to Kestrel's default 5000, which another run may hold).
        Factory.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        Factory.StartServer();
        var addresses = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/');
        await Factory.Services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
        await StartMoreAsync();

        Directory.CreateDirectory(ScreenshotFolder);
        playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        playwright?.Dispose();
        await StopMoreAsync();
        if (Factory is not null) await Factory.DisposeAsync();
        await Db.DisposeAsync();
        if (Directory.Exists(PhotoFolder)) Directory.Delete(PhotoFolder, recursive: true);
    }

    /// <summary>
    /// A person on a phone inside DingTalk: a 375×812 viewport, DingTalk's user agent, and DingTalk's <c>dd</c> mocked
    /// so that the free login gives a code (offline, the code is the DingTalk user id). Null: a plain browser, no DingTalk.
    /// </summary>
    /// <param name="legacyClient">An old DingTalk client: <c>dd.requestAuthCode</c> fails, only the legacy <c>dd.runtime.permission.requestAuthCode</c> answers.</param>
    public async Task<Person> PersonAsync(string? dingTalkUserId, bool legacyClient = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = 375, Height = 812 },
            UserAgent = dingTalkUserId is null ? null : DingTalkUserAgent,
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
        });
        context.SetDefaultTimeout(15000);
        if (dingTalkUserId is not null)
        {
            var code = JsonSerializer.Serialize(dingTalkUserId);
            await context.AddInitScriptAsync($$"""
                window.__ddCalls = [];
                const answer = (name) => (args) => { window.__ddCalls.push({ name, ...args }); return Promise.resolve({ code: {{code}} }); };
                window.dd = {
                  env: { platform: 'android' },
                  requestAuthCode: {{(legacyClient ? "() => Promise.reject(new Error('需要钉钉 7.0.45 以上版本'))" : "answer('requestAuthCode')")}},
                  runtime: { permission: { requestAuthCode: answer('runtime.permission.requestAuthCode') } },
                };
                """);
        }
        var page = await context.NewPageAsync();
        return new Person(context, page);
    }

    /// <summary>Logs in through DingTalk's free login (dd mocked; offline the code is the user id) and waits for the first page.</summary>
    public async Task<Person> SignedInAsync(string dingTalkUserId, string path, bool legacyClient = false)
    {
        var person = await PersonAsync(dingTalkUserId, legacyClient);
        var login = person.Page.WaitForRequestAsync(r => r.Url.EndsWith("/api/auth/dingtalk") && r.Method == "POST");
        await person.Page.GotoAsync(path);
        await login;
        await person.Page.WaitForURLAsync(u => !u.Contains("/login"));
        return person;
    }

    /// <summary>Fills the report form: category 治安/校园安保, the description, a place, the photos.</summary>
    public static async Task<string> FillReportAsync(IPage page, string description, params FilePayload[] photos)
    {
        await page.GetByRole(AriaRole.Heading, new() { Name = "上报线索" }).WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "隐患类别" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "治安/校园安保" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "选择隐患类别" })).ToBeHiddenAsync();
        await page.GetByPlaceholder("请描述发现的问题").FillAsync(description);
        await page.GetByPlaceholder("例如：学校东门外人行道").FillAsync("学校东门外");
        if (photos.Length > 0) await page.Locator("input[type=file]").SetInputFilesAsync(photos);
        return description;
    }

    public Task<long> ClueIdAsync(string description) =>
        ScalarAsync<long>("SELECT id FROM clues WHERE description = @description", new { description });

    public async Task<T> ScalarAsync<T>(string sql, object args)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return (await Dapper.SqlMapper.ExecuteScalarAsync<T>(conn, sql, args))!;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SchoolSafety.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SchoolSafety.sln not found above the test folder.");
    }
}

/// <summary>One person's browser: every console error and page error is kept, and a test ends by asserting there were none.</summary>
public sealed class Person : IAsyncDisposable
{
    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public List<string> Errors { get; } = [];

    public Person(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        // Chromium logs every 4xx answer of a fetch as a console error; an API refusal the page shows (e.g. 无权查看) is not one.
        page.Console += (_, m) =>
        {
            if (m.Type != "error") return;
            if (m.Text.StartsWith("Failed to load resource: the server responded with a status of 4") && m.Location.Contains("/api/")) return;
            Errors.Add($"console: {m.Text} at {m.Location} ({page.Url})");
        };
        page.PageError += (_, e) => Errors.Add($"page error: {e} ({page.Url})");
    }

    /// <summary>Writes <c>.local/screenshots/{name}.png</c> and checks the page with axe: no serious or critical violation.</summary>
    public async Task CheckPageAsync(string name)
    {
        // A dialog or popup of the page before may still be fading out (Vant's leave transition); judge the page once it is gone.
        // So may the page's own message (.app-message fades in and out): axe would measure its contrast half transparent.
        await Page.WaitForFunctionAsync("() => !document.querySelector('[class*=\"-leave-active\"]') && document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity)");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserHost.ScreenshotFolder, $"{name}.png"), FullPage = false });
        var result = await Page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"axe on {name} ({Page.Url}): " + string.Join("; ",
            serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    public void AssertNoErrors() => Assert.True(Errors.Count == 0, string.Join("\n", Errors));

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
