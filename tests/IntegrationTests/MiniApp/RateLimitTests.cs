using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.MiniApp.Api;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>Floods: logins per address, uploads, reports and actions (urges) per person; a 429 in Chinese, not a queue.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RateLimitTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private WebApplicationFactory<ApiEntryPoint> Limited(params (string Key, string Value)[] limits) =>
        host.Factory.WithWebHostBuilder(b => { foreach (var (k, v) in limits) b.UseSetting($"RateLimits:{k}", v); });

    private static async Task<HttpClient> LoginAsync(WebApplicationFactory<ApiEntryPoint> f, string who)
    {
        var c = f.CreateClient();
        var r = await c.PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId = who });
        r.EnsureSuccessStatusCode();
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await r.Content.ReadFromJsonAsync<SessionResponse>())!.AccessToken);
        return c;
    }

    [Fact]
    public async Task Logins_PerAddress_AreLimited_With429InChinese()
    {
        await using var f = Limited(("LoginPerAddress", "3"));
        var c = f.CreateClient();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Forbidden, (await c.PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId = "nobody-" + i })).StatusCode);
        var r = await c.PostAsJsonAsync("/api/auth/dingtalk", new { authCode = "bogus" });
        await MiniAppHost.AssertProblemAsync(r, HttpStatusCode.TooManyRequests, "rate.limited");
        Assert.True(r.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task Uploads_PerPerson_AreLimited_AnotherPersonIsNot()
    {
        await using var f = Limited(("UploadsPerUser", "2"));
        var officer = await LoginAsync(f, "demo-school01-officer");
        var other = await LoginAsync(f, "demo-school02-officer");
        static HttpContent Photo() => MiniAppHost.SmallPhotos();
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsync("/api/photos", Photo())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsync("/api/photos", Photo())).StatusCode);
        await MiniAppHost.AssertProblemAsync(await officer.PostAsync("/api/photos", Photo()), HttpStatusCode.TooManyRequests, "rate.limited");
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsync("/api/photos", Photo())).StatusCode);
    }

    [Fact]
    public async Task Actions_PerPerson_AreLimited()
    {
        await using var f = Limited(("ActionsPerUser", "2"));
        var officer = await LoginAsync(f, "demo-school01-officer");
        for (var i = 0; i < 2; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await officer.PostAsJsonAsync("/api/clues/999999999/actions", new { action = "urge", version = 1, idempotencyKey = "k" + i })).StatusCode);
        await MiniAppHost.AssertProblemAsync(await officer.PostAsJsonAsync("/api/clues/999999999/actions", new { action = "urge", version = 1, idempotencyKey = "k9" }),
            HttpStatusCode.TooManyRequests, "rate.limited");
    }

    [Fact]
    public async Task Uploads_PastTheDailyQuota_AreRefused()
    {
        await using var f = host.Factory.WithWebHostBuilder(b => b.UseSetting("Photos:DailyUploadsPerUser", "2"));
        var dingTalkId = "quota-" + Guid.NewGuid().ToString("N")[..10];
        await using (var conn = await host.Db.DataSource.OpenConnectionAsync())
        {
            var org = (SchoolSafety.Core.Organisation.OrganisationStore)f.Services.GetService(typeof(SchoolSafety.Core.Organisation.OrganisationStore))!;
            var id = await org.UpsertUserAsync(conn, null, dingTalkId, null, "配额测试", null, default);
            var school = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT id FROM schools ORDER BY id LIMIT 1");
            await org.AddMembershipAsync(conn, null, id, SchoolSafety.Core.Organisation.Role.Reporter, default, schoolId: school);
        }
        var c = await LoginAsync(f, dingTalkId);
        static HttpContent Photos(int n) => MiniAppHost.SmallPhotos(n);
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync("/api/photos", Photos(2))).StatusCode);
        await MiniAppHost.AssertProblemAsync(await c.PostAsync("/api/photos", Photos(1)), HttpStatusCode.TooManyRequests, "photo.quota");
    }
}
