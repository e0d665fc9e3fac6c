using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>What the pages need from the host: the built files with their caching and CSP, and the API additions they read.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class PagesApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private static MultipartFormDataContent Report(int item) => new()
    {
        { new StringContent(item.ToString()), "itemNo" }, { new StringContent($"页面测试线索 {Guid.NewGuid():N}"), "description" },
        { new StringContent(Guid.NewGuid().ToString()), "idempotencyKey" },
    };

    [Fact]
    public async Task PageAddresses_AreTheUncachedApp_WithACspWithoutInlineScript_AndHashedAssetsAreCachedForAYear()
    {
        var dist = Path.Combine(host.Factory.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath, "ClientApp", "dist");
        Assert.True(File.Exists(Path.Combine(dist, "index.html")), $"the pages are not built in {dist}: bash scripts/test.sh builds them");
        var client = host.Anonymous();

        var page = await client.GetAsync("/clues/42");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", page.Headers.CacheControl!.ToString());
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-inline", csp.Split(';').Single(d => d.Trim().StartsWith("script-src")));
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", html);   // every script is a file

        var asset = Directory.GetFiles(Path.Combine(dist, "assets"), "*.js").First();
        var js = await client.GetAsync($"/assets/{Path.GetFileName(asset)}");
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", js.Headers.CacheControl!.ToString());

        await MiniAppHost.AssertProblemAsync(await client.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound, "request.not_found");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/assets/missing-0000.js")).StatusCode);   // never index.html for a file
    }

    [Fact]
    public async Task AHostWithoutBuiltPages_ServesTheApi_AndSaysThePagesAreNotBuilt()
    {
        using var bare = host.Factory.WithWebHostBuilder(b => b.UseSetting("MiniApp:PagesFolder", Path.Combine(Path.GetTempPath(), $"no-pages-{Guid.NewGuid():N}")));
        var client = bare.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/config")).StatusCode);
        await MiniAppHost.AssertProblemAsync(await client.GetAsync("/report"), HttpStatusCode.NotFound, "pages.not_built");
    }

    [Fact]
    public async Task LoginConfig_AndDemoPeople_ExistOnlyWhereTheDevLoginDoes()
    {
        var client = host.Anonymous();
        var config = await MiniAppHost.JsonAsync(await client.GetAsync("/api/auth/config"));
        Assert.True(config.GetProperty("devLogin").GetBoolean());
        var people = await MiniAppHost.JsonAsync(await client.GetAsync("/api/auth/dev/people"));
        Assert.Contains(people.EnumerateArray(), p => p.GetProperty("dingTalkUserId").GetString() == "demo-edu-admin" && p.GetProperty("group").GetString() == "区教育局");
        Assert.Equal("学校", people[0].GetProperty("group").GetString());

        // A deployed host (with its DingTalk app configured): the free login only, and the corpId and clientId for it.
        using var deployed = host.Factory.WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Staging");
            b.UseSetting("DingTalk:AppKey", "dingstagingkey");
            b.UseSetting("DingTalk:AppSecret", "staging-secret");
            b.UseSetting("DingTalk:CorpId", "ding-corp-1");
            b.UseSetting("DingTalk:ApiBaseUrl", "http://127.0.0.1:9");
            b.UseSetting("DingTalk:LegacyBaseUrl", "http://127.0.0.1:9");
            b.UseSetting("Cards:MiniAppUrl", "https://xa.example.gov.cn");   // a deployed host's links need its public address
        });
        var prod = deployed.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await prod.GetAsync("/api/auth/dev/people")).StatusCode);
        var deployedConfig = await MiniAppHost.JsonAsync(await prod.GetAsync("/api/auth/config"));
        Assert.False(deployedConfig.GetProperty("devLogin").GetBoolean());
        Assert.Equal("ding-corp-1", deployedConfig.GetProperty("corpId").GetString());
        Assert.Equal("dingstagingkey", deployedConfig.GetProperty("clientId").GetString());
    }

    [Fact]
    public async Task Todos_AreTheClues_WaitingForMe_AndEachActionSaysWhatItAsksFor()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var created = await MiniAppHost.JsonAsync(await officer.PostAsync("/api/clues", Report(4)));
        var id = created.GetProperty("id").GetInt64();
        var handlerId = await host.ScalarAsync<string>("SELECT u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.assignee_user_id WHERE c.id = @id", new { id });
        var handler = await host.ClientForAsync(handlerId);

        static async Task<long[]> TodoIds(HttpClient c) =>
            (await MiniAppHost.JsonAsync(await c.GetAsync("/api/clues?scope=todo&pageSize=100"))).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToArray();
        Assert.Contains(id, await TodoIds(handler));
        Assert.DoesNotContain(id, await TodoIds(officer));   // the reporter waits; nothing is theirs to do

        var detail = await MiniAppHost.JsonAsync(await handler.GetAsync($"/api/clues/{id}"));
        var accept = detail.GetProperty("actions").EnumerateArray().Single(a => a.GetProperty("action").GetString() == "Accept");
        Assert.Equal(JsonValueKind.Null, accept.GetProperty("noteRequired").ValueKind);

        var accepted = await handler.PostAsJsonAsync($"/api/clues/{id}/actions", new { action = "Accept", version = detail.GetProperty("version").GetInt32(), idempotencyKey = Guid.NewGuid().ToString() });
        var version = (await MiniAppHost.JsonAsync(accepted)).GetProperty("version").GetInt32();
        detail = await MiniAppHost.JsonAsync(await handler.GetAsync($"/api/clues/{id}"));
        var resolve = detail.GetProperty("actions").EnumerateArray().Single(a => a.GetProperty("action").GetString() == "Resolve");
        Assert.Equal("请填写办结情况说明", resolve.GetProperty("noteRequired").GetString());
        Assert.True(resolve.GetProperty("photos").GetBoolean());

        if (detail.GetProperty("actions").EnumerateArray().Any(a => a.GetProperty("action").GetString() == "Reassign"))
        {
            var targets = await MiniAppHost.JsonAsync(await handler.GetAsync($"/api/clues/{id}/reassign-targets"));
            Assert.True(targets.GetArrayLength() >= 1);   // the unit's head at least; never the handler themself
            Assert.DoesNotContain(targets.EnumerateArray(), t => t.GetProperty("name").GetString() == detail.GetProperty("assignee").GetString());
        }
        await MiniAppHost.AssertProblemAsync(await officer.GetAsync($"/api/clues/{id}/reassign-targets"), HttpStatusCode.NotFound, "not_found");

        var resolved = await handler.PostAsJsonAsync($"/api/clues/{id}/actions", new { action = "Resolve", version, idempotencyKey = Guid.NewGuid().ToString(), note = "已处理" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.DoesNotContain(id, await TodoIds(handler));
    }

    [Fact]
    public async Task Me_NamesTheSchoolsAndUnits_OfMyRoles_AndOfficialsGetTheSchoolDirectory()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var me = await MiniAppHost.JsonAsync(await officer.GetAsync("/api/me"));
        Assert.Equal("余杭区五常中心小学", me.GetProperty("roles")[0].GetProperty("schoolName").GetString());
        var schools = await MiniAppHost.JsonAsync(await (await host.ClientForAsync("demo-POL-handler")).GetAsync("/api/schools"));
        Assert.Contains(schools.EnumerateArray(), s => s.GetProperty("name").GetString() == "余杭区良渚文化村小学");
    }
}
