using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using SchoolSafety.Core.Organisation;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>
/// Accounts: a person with no role uploads nothing; a deactivated person's tokens stop working at once; a refresh token
/// is used once (a second use is taken as theft and ends the whole login); logging out ends the login everywhere.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class AccountSecurityTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private static MultipartFormDataContent OnePhoto() => MiniAppHost.SmallPhotos();

    private async Task<(long Id, string DingTalkId)> NewUserAsync(Role? role)
    {
        var dingTalkId = "acct-" + Guid.NewGuid().ToString("N")[..12];
        var org = host.Factory.Services.GetService(typeof(OrganisationStore)) as OrganisationStore;
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        var id = await org!.UpsertUserAsync(conn, null, dingTalkId, null, "测试人员", null, default);
        if (role is { } r)
        {
            var school = await conn.ExecuteScalarAsync<long>("SELECT id FROM schools ORDER BY id LIMIT 1");
            await org.AddMembershipAsync(conn, null, id, r, default, schoolId: school);
        }
        return (id, dingTalkId);
    }

    private async Task<SessionResponse> LoginAsync(string dingTalkId)
    {
        var login = await host.Anonymous().PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId = dingTalkId });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (await login.Content.ReadFromJsonAsync<SessionResponse>())!;
    }

    private HttpClient With(string accessToken)
    {
        var c = host.Anonymous();
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return c;
    }

    [Fact]
    public async Task Upload_ByAUserWithNoRole_IsRefused()
    {
        var (_, dingTalkId) = await NewUserAsync(null);
        var session = await LoginAsync(dingTalkId);
        var r = await With(session.AccessToken).PostAsync("/api/photos", OnePhoto());
        await MiniAppHost.AssertProblemAsync(r, HttpStatusCode.Forbidden, "photo.no_role");
    }

    [Fact]
    public async Task DeactivatedUser_AccessTokenNoLongerUploads_RefreshRefused()
    {
        var (id, dingTalkId) = await NewUserAsync(Role.Reporter);
        var session = await LoginAsync(dingTalkId);
        var client = With(session.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/photos", OnePhoto())).StatusCode);

        await using (var conn = await host.Db.DataSource.OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE users SET active = 0 WHERE id = @id", new { id });

        await MiniAppHost.AssertProblemAsync(await client.PostAsync("/api/photos", OnePhoto()), HttpStatusCode.Unauthorized, "auth.required");
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Anonymous().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = session.RefreshToken })).StatusCode);
    }

    [Fact]
    public async Task Refresh_RotatesTheToken_AndASecondUseOfTheOldOne_EndsTheWholeLogin()
    {
        var (_, dingTalkId) = await NewUserAsync(Role.Reporter);
        var first = await LoginAsync(dingTalkId);
        var anonymous = host.Anonymous();

        var r1 = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        var second = (await r1.Content.ReadFromJsonAsync<SessionResponse>())!;
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);

        // The old refresh token again: someone else holds a copy. Refused, and every token of this login with it.
        var reused = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first.RefreshToken });
        await MiniAppHost.AssertProblemAsync(reused, HttpStatusCode.Unauthorized, "auth.refresh_reused");
        await MiniAppHost.AssertProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = second.RefreshToken }),
            HttpStatusCode.Unauthorized, "auth.refresh_invalid");
        Assert.Equal(HttpStatusCode.Unauthorized, (await With(second.AccessToken).GetAsync("/api/me")).StatusCode);

        // Another login of the same person is untouched.
        var other = await LoginAsync(dingTalkId);
        Assert.Equal(HttpStatusCode.OK, (await With(other.AccessToken).GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Logout_EndsTheLogin_AccessAndRefresh()
    {
        var (_, dingTalkId) = await NewUserAsync(Role.Reporter);
        var session = await LoginAsync(dingTalkId);
        var client = With(session.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = session.RefreshToken })).StatusCode);
    }
}
