using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Demo;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.MiniApp.Api;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>
/// The mini-app host in memory on the test database with the demo district, offline (no DingTalk
/// credentials, so the documented development login works). One per test class.
/// </summary>
public sealed class MiniAppHost : IAsyncLifetime
{
    public const string SigningKey = "integration-tests-signing-key-0123456789abcdef";
    public TestDatabase Db { get; } = new();
    public WebApplicationFactory<ApiEntryPoint> Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        Factory = new WebApplicationFactory<ApiEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:SchoolSafety", Db.ConnectionString);
            b.UseSetting("MiniApp:Session:SigningKey", SigningKey);
            b.UseSetting("MiniApp:PhotoFolder", Path.Combine(Path.GetTempPath(), $"schoolsafety-photos-{Guid.NewGuid():N}"));
        });
        await Factory.Services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Db.DisposeAsync();
    }

    public HttpClient Anonymous() => Factory.CreateClient();

    /// <summary>A client logged in (development login) as a demo user, e.g. <c>demo-school01-officer</c>.</summary>
    public async Task<HttpClient> ClientForAsync(string dingTalkUserId)
    {
        var client = Factory.CreateClient();
        var login = await client.PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId });
        login.EnsureSuccessStatusCode();
        var session = (await login.Content.ReadFromJsonAsync<SessionResponse>())!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        return client;
    }
}
