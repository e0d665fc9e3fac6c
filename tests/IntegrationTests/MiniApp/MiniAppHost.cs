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
            // Every test class logs in and uploads from one address at machine speed: the limits are tested on their own (RateLimitTests).
            foreach (var key in new[] { "LoginPerAddress", "UploadsPerUser", "UploadsPerAddress", "ReportsPerUser", "ReportsPerAddress", "ActionsPerUser", "ActionsPerAddress" })
                b.UseSetting($"RateLimits:{key}", "1000000");
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

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return (await Dapper.SqlMapper.ExecuteScalarAsync<T>(conn, sql, args))!;
    }

    public static async Task<System.Text.Json.JsonElement> JsonAsync(HttpResponseMessage r) => await r.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

    /// <summary>A ProblemDetails with this status and stable code, whose title people read in Chinese.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage r, System.Net.HttpStatusCode status, string code)
    {
        Assert.Equal(status, r.StatusCode);
        var p = await JsonAsync(r);
        Assert.Equal(code, p.GetProperty("code").GetString());
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", p.GetProperty("title").GetString());
    }

    /// <summary>A form of <paramref name="count"/> small JPEGs as <c>photos</c>, as the mini-app uploads them.</summary>
    public static MultipartFormDataContent SmallPhotos(int count = 1)
    {
        var form = new MultipartFormDataContent();
        for (var i = 0; i < count; i++)
            form.Add(new ByteArrayContent(SchoolSafety.Core.Tests.Photos.TestImages.Encode(40, 30, SkiaSharp.SKEncodedImageFormat.Jpeg)), "photos", $"p{i}.jpg");
        return form;
    }

    /// <summary>Uploads one small photo (POST /api/photos); its key.</summary>
    public static async Task<string> UploadAsync(HttpClient client)
    {
        var r = await client.PostAsync("/api/photos", SmallPhotos());
        Assert.Equal(System.Net.HttpStatusCode.OK, r.StatusCode);
        return (await JsonAsync(r)).GetProperty("keys")[0].GetString()!;
    }

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
