using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>Paged lists: a page far past the end is an empty page, never a failed query (a 500).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class PagingTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    [Theory]
    [InlineData("/api/clues?page=2147483647&pageSize=100")]
    [InlineData("/api/guidance?page=2147483647&pageSize=100")]
    [InlineData("/api/audit?page=2147483647&pageSize=200")]
    public async Task PageFarPastTheEnd_IsAnEmptyPage(string url)
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var r = await admin.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        var items = body.ValueKind == JsonValueKind.Array ? body : body.GetProperty("items");
        Assert.Equal(0, items.GetArrayLength());
    }
}
