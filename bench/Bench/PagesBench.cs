using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using MySqlConnector;
using SchoolSafety.Core;
using SchoolSafety.MiniApp.Api;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.Bench;

/// <summary>
/// The report page's first load in headless Chromium (Debian's, through Playwright) on the real mini-app host with the
/// built pages: bytes transferred (as served, gzip) and the time from navigation to the form being usable (the work
/// list loaded, 提交 shown), each round in a fresh browser context (cold cache), signed in as a school officer. The
/// floor, in the same run: the same browser loading the host's smallest page file. Targets: under 200 KB and 1 s; the
/// chart library and the DingTalk bridge are not in that load. Medians over rounds.
/// </summary>
public static class PagesBench
{
    public static async Task RunAsync(string[] args)
    {
        var cs = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 9;
        var pages = Path.GetFullPath(Path.Combine("src", "MiniApp.Api", "ClientApp", "dist"));
        if (!File.Exists(Path.Combine(pages, "index.html")))
            throw new InvalidOperationException($"{pages} has no index.html: build the pages first (bash scripts/pages.sh).");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = SchoolSafety.Core.Deployment.Testing });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:SchoolSafety"] = cs, ["MiniApp:Session:SigningKey"] = "bench-signing-key-0123456789abcdef0123",
            ["MiniApp:PagesFolder"] = pages, ["Photos:Folder"] = Path.GetFullPath(Path.Combine(".local", "bench-photos", "pages")),
        });
        builder.AddSchoolSafetyCore();
        builder.AddMiniAppApi();
        var app = builder.Build();
        app.MapMiniAppApi();
        var url = (await BenchHost.StartCleanAsync(app)).TrimEnd('/');
        long officer;
        await using (var conn = await app.Services.GetRequiredService<MySqlDataSource>().OpenConnectionAsync())
            officer = await conn.ExecuteScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = 'demo-school01-officer'");
        var session = await app.Services.GetRequiredService<SessionTokens>().IssueAsync(officer, "bench", CancellationToken.None);
        var sessionJson = System.Text.Json.JsonSerializer.Serialize(session, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

        var floor = new List<double>();
        var load = new List<double>();
        var bytes = new List<long>();
        var files = new List<string>();
        for (var round = 0; round <= rounds; round++)   // round 0 warms the host and the browser up; not counted
        {
            // The floor: a fresh context loading one small file of the same host.
            await using (var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 375, Height = 812 } }))
            {
                var page = await context.NewPageAsync();
                var sw = Stopwatch.StartNew();
                await page.GotoAsync($"{url}/favicon.svg", new PageGotoOptions { WaitUntil = WaitUntilState.Load });
                if (round > 0) floor.Add(sw.Elapsed.TotalMilliseconds);
            }
            await using (var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 375, Height = 812 } }))
            {
                await context.AddInitScriptAsync($"localStorage.setItem('schoolsafety.session', {System.Text.Json.JsonSerializer.Serialize(sessionJson)});");
                var page = await context.NewPageAsync();
                var responses = new List<IResponse>();
                page.Response += (_, r) => responses.Add(r);
                var sw = Stopwatch.StartNew();
                await page.GotoAsync($"{url}/report", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
                await page.GetByRole(AriaRole.Button, new() { Name = "隐患类别" }).WaitForAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).WaitForAsync();
                var elapsed = sw.Elapsed.TotalMilliseconds;
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                long total = 0;
                foreach (var r in responses.ToList())
                {
                    var sizes = await r.Request.SizesAsync();
                    total += sizes.ResponseBodySize + sizes.ResponseHeadersSize;
                }
                if (round > 0) { load.Add(elapsed); bytes.Add(total); }
                if (round == rounds) files = responses.Select(r => new Uri(r.Url).AbsolutePath).ToList();
            }
        }
        await app.StopAsync();

        static double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
        var assets = files.Where(f => f.StartsWith("/assets/")).ToList();
        Console.WriteLine($"pages: report page first load, {rounds} rounds (fresh context each), headless Chromium 375×812");
        Console.WriteLine($"  floor (one small file of the same host): median {Median(floor):F0} ms");
        Console.WriteLine($"  report page usable (work list loaded, 提交 shown): median {Median(load):F0} ms, min {load.Min():F0}, max {load.Max():F0} (target < 1000 ms)");
        Console.WriteLine($"  bytes transferred (gzip, headers included): median {Median(bytes.Select(b => (double)b).ToList()) / 1024:F1} KB (target < 200 KB), {files.Count} requests ({assets.Count} assets)");
        Console.WriteLine($"  chart library in the first load: {(assets.Any(a => a.Contains("/charts-")) ? "YES" : "no")}; DingTalk bridge: {(assets.Any(a => a.Contains("ddSdk") || a.Contains("requestAuthCode")) ? "YES" : "no")}");
        foreach (var f in files) Console.WriteLine($"    {f}");
    }
}
