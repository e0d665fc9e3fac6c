using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.IntegrationTests.MiniApp;

[Collection(DatabaseCollection.Name)]
public sealed class AuthApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage r) => await r.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task DevLogin_KnownUser_IssuesTokens_AndRefreshWorks()
    {
        var client = host.Anonymous();
        var login = await client.PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId = "demo-school01-officer" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var session = (await login.Content.ReadFromJsonAsync<SessionResponse>())!;
        Assert.False(string.IsNullOrEmpty(session.AccessToken));
        Assert.Equal(1800, session.ExpiresIn);

        var refreshed = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = session.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);

        // An access token is not a refresh token, and a refresh token is not an access token.
        var wrong = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = session.AccessToken });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("登录已过期，请重新登录", (await ProblemAsync(wrong)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task DevLogin_UnknownUser_IsRefusedInChinese()
    {
        var r = await host.Anonymous().PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId = "nobody" });
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        var p = await ProblemAsync(r);
        Assert.Equal("auth.not_enrolled", p.GetProperty("code").GetString());
        Assert.Contains("未开通或已停用", p.GetProperty("title").GetString());
    }

    [Fact]
    public async Task DingTalkLogin_EmptyCode_IsABadRequest()
    {
        var r = await host.Anonymous().PostAsJsonAsync("/api/auth/dingtalk", new { authCode = "" });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("auth.code_required", (await ProblemAsync(r)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task ProtectedEndpoint_WithoutOrWithBadToken_Is401InChinese()
    {
        var client = host.Anonymous();
        var r = await client.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("请先登录", (await ProblemAsync(r)).GetProperty("title").GetString());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_IsServed()
    {
        var r = await host.Anonymous().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var doc = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/auth/dingtalk", out _));
    }
}
