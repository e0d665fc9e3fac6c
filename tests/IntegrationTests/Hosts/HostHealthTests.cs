using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Hosts;

[Collection(DatabaseCollection.Name)]
public sealed class HostHealthTests(TestDatabase db)
{
    private async Task AssertHealthyAndReadyAsync<TEntryPoint>() where TEntryPoint : class
    {
        var quartz = await db.QuartzConnectionStringAsync();
        await using var factory = new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Quartz", quartz);
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:SchoolSafety", db.ConnectionString);
            b.UseSetting("MiniApp:Session:SigningKey", "health-tests-signing-key-0123456789abcdef");
        });
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public Task Callbacks_IsHealthyAndReady() => AssertHealthyAndReadyAsync<SchoolSafety.Callbacks.CallbacksEntryPoint>();

    [Fact]
    public Task MiniAppApi_IsHealthyAndReady() => AssertHealthyAndReadyAsync<SchoolSafety.MiniApp.Api.ApiEntryPoint>();

    [Fact]
    public Task Bot_IsHealthyAndReady() => AssertHealthyAndReadyAsync<SchoolSafety.Bot.BotEntryPoint>();
}
