using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Hosts;

/// <summary>
/// A deployment outside Development and Testing (here `Staging`) has no shortcuts: every host refuses to start without
/// real DingTalk credentials (the offline recorder would "send" into a file and mark rows sent), the mini-app without a
/// real signing key (the committed development key included), the Callbacks host without its callback secrets; and a
/// host that does start has no development login.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class DeploymentTests(TestDatabase db)
{
    private const string RealKey = "staging-signing-key-not-the-development-one-0123456789";
    private const string PublicMiniAppUrl = "https://xa.example.gov.cn";

    private WebApplicationFactory<T> Factory<T>(string environment, params (string Key, string Value)[] settings) where T : class =>
        new WebApplicationFactory<T>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment(environment);
            b.UseSetting("ConnectionStrings:SchoolSafety", db.ConnectionString);
            b.UseSetting("DingTalk:OfflineLogPath", Path.Combine(Path.GetTempPath(), $"deployment-{Guid.NewGuid():N}.jsonl"));
            b.UseSetting("Cards:MiniAppUrl", PublicMiniAppUrl);   // a test that needs it missing or wrong sets it again
            foreach (var (key, value) in settings) b.UseSetting(key, value);
        });

    private static readonly (string, string)[] Credentials =
        [("DingTalk:AppKey", "dingstagingkey"), ("DingTalk:AppSecret", "staging-secret"), ("DingTalk:ApiBaseUrl", "http://127.0.0.1:9"), ("DingTalk:LegacyBaseUrl", "http://127.0.0.1:9")];

    private static readonly (string, string)[] CallbackSecrets =
        [("DingTalk:CallbackToken", "123456"), ("DingTalk:CallbackAesKey", "1234567890123456789012345678901234567890123"), ("DingTalk:CardCallbackSecret", "card-secret")];

    /// <summary>
    /// Starting the host fails with an options error naming <paramref name="key"/>. WebApplicationFactory's deferred host
    /// can lose that race and throw ObjectDisposedException from its own start-up wait (dotnet/aspnetcore#33494) when the
    /// app stops first; that is the harness, not the host, so a fresh factory is tried again, at most three times.
    /// </summary>
    private static async Task AssertRefusesToStart<T>(Func<WebApplicationFactory<T>> make, string key) where T : class
    {
        Exception e = null!;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var factory = make();
            e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
            if (e is not ObjectDisposedException) break;
        }
        var validation = e as OptionsValidationException ?? e.InnerException as OptionsValidationException
            ?? (e as AggregateException)?.Flatten().InnerExceptions.OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, $"expected an options validation error, got {e}");
        Assert.Contains(key, string.Join(" ", validation.Failures));
    }

    [Fact]
    public async Task MiniApp_InStaging_WithoutCredentials_RefusesToStart()
    {
        await AssertRefusesToStart(() => Factory<SchoolSafety.MiniApp.Api.ApiEntryPoint>("Staging", ("MiniApp:Session:SigningKey", RealKey)), "DingTalk:AppKey");
    }

    [Fact]
    public async Task Callbacks_InStaging_WithoutCredentials_RefusesToStart()
    {
        await AssertRefusesToStart(() => Factory<SchoolSafety.Callbacks.CallbacksEntryPoint>("Staging"), "DingTalk:AppKey");
    }

    [Fact]
    public async Task Bot_InStaging_WithoutCredentials_RefusesToStart_SoNothingIsSentIntoAFile()
    {
        await AssertRefusesToStart(() => Factory<SchoolSafety.Bot.BotEntryPoint>("Staging", ("Bot:ClusteredScheduler", "false"), ("Bot:RunScheduler", "false")), "DingTalk:AppKey");
    }

    [Fact]
    public async Task Callbacks_InStaging_WithoutCallbackSecrets_RefusesToStart()
    {
        await AssertRefusesToStart(() => Factory<SchoolSafety.Callbacks.CallbacksEntryPoint>("Staging", Credentials), "DingTalk:CardCallbackSecret");
    }

    [Fact]
    public async Task MiniApp_InStaging_WithTheCommittedDevelopmentKey_RefusesToStart()
    {
        var devKey = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "src/MiniApp.Api/appsettings.Development.json")))
            .RootElement.GetProperty("MiniApp").GetProperty("Session").GetProperty("SigningKey").GetString()!;
        await AssertRefusesToStart(() => Factory<SchoolSafety.MiniApp.Api.ApiEntryPoint>("Staging", [.. Credentials, ("MiniApp:Session:SigningKey", devKey)]), "MiniApp:Session:SigningKey");
    }

    [Theory]
    [InlineData("DingTalk:CardCallbackSecret")]
    [InlineData("DingTalk:CallbackToken")]
    public async Task Callbacks_InStaging_WithALocalDevelopmentSecret_RefusesToStart(string key)
    {
        // The run command's secret (scripts/local-dingtalk.env), in place of the deployment's own.
        (string, string)[] settings = [.. Credentials, .. CallbackSecrets.Where(s => s.Item1 != key), (key, Core.Deployment.LocalSecrets[key]), ("Inbox:RunWorker", "false")];
        await AssertRefusesToStart(() => Factory<SchoolSafety.Callbacks.CallbacksEntryPoint>("Staging", settings), "scripts/local-dingtalk.env");
    }

    [Fact]
    public async Task Bot_InStaging_WithTheLocalRobotAppSecret_RefusesToStart()
    {
        await AssertRefusesToStart(() => Factory<SchoolSafety.Bot.BotEntryPoint>("Staging", ("DingTalk:AppKey", "dingstagingkey"), ("DingTalk:AppSecret", Core.Deployment.LocalSecrets["DingTalk:AppSecret"]),
            ("Bot:ClusteredScheduler", "false"), ("Bot:RunScheduler", "false")), "scripts/local-dingtalk.env");
    }

    /// <summary>Every link (cards, notices, digests, to-dos) opens the mini-app at its public address: outside Development and Testing it must be https.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("http://xa.example.gov.cn")]
    public async Task Bot_InStaging_WithoutAnHttpsMiniAppAddress_RefusesToStart(string url)
    {
        await AssertRefusesToStart(() => Factory<SchoolSafety.Bot.BotEntryPoint>("Staging", [.. Credentials, ("Cards:MiniAppUrl", url),
            ("Bot:ClusteredScheduler", "false"), ("Bot:RunScheduler", "false")]), "Cards:MiniAppUrl");
    }

    [Fact]
    public async Task MiniApp_InStaging_WithEverything_Starts_WithoutDevLogin()
    {
        await using var f = Factory<SchoolSafety.MiniApp.Api.ApiEntryPoint>("Staging", [.. Credentials, ("MiniApp:Session:SigningKey", RealKey)]);
        using var client = f.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var dev = await client.PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId = "demo-edu-admin" });
        // Not mapped: no endpoint answers POST there (the pages' GET fallback makes it a 405, not a 404), and no token comes back.
        Assert.Contains(dev.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        Assert.DoesNotContain("accessToken", await dev.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/openapi/v1.json")).StatusCode);   // not public outside Development and Testing
    }

    [Fact]
    public async Task Callbacks_InStaging_WithEverything_Starts()
    {
        await using var f = Factory<SchoolSafety.Callbacks.CallbacksEntryPoint>("Staging", [.. Credentials, .. CallbackSecrets, ("Inbox:RunWorker", "false")]);
        using var client = f.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task Callbacks_OutsideDevelopment_HasNoDingTalkSimulator(string environment)
    {
        await using var f = Factory<SchoolSafety.Callbacks.CallbacksEntryPoint>(environment, [.. Credentials, .. CallbackSecrets, ("Inbox:RunWorker", "false")]);
        using var client = f.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        foreach (var path in new[] { "/dev/dingtalk/", "/dev/dingtalk/api/people", "/dev/dingtalk/api/view?as=demo-edu-admin", "/dev/dingtalk/api/stream" })
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
        foreach (var path in new[] { "/dev/dingtalk/v1.0/gateway/connections/open", "/dev/dingtalk/api/click", "/dev/dingtalk/api/message", "/dev/dingtalk/api/reminders" })
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(path, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SchoolSafety.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SchoolSafety.sln not found above the test binaries");
    }
}
