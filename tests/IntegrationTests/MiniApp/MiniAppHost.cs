using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
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
    public string PhotoFolder { get; } = Path.Combine(Path.GetTempPath(), $"schoolsafety-photos-{Guid.NewGuid():N}");

    /// <summary>The host's clock: real time at the start, moved by tests (e.g. to expire a photo link).</summary>
    public TestClock Clock { get; } = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        Factory = new WebApplicationFactory<ApiEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:SchoolSafety", Db.ConnectionString);
            b.UseSetting("MiniApp:Session:SigningKey", SigningKey);
            b.UseSetting("Photos:Folder", PhotoFolder);
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
        });
        await Factory.Services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Db.DisposeAsync();
        if (Directory.Exists(PhotoFolder)) Directory.Delete(PhotoFolder, recursive: true);
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
