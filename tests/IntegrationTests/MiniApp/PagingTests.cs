using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SchoolSafety.Core.Clues;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>
/// Paged lists: a page far past the end is an empty page, never a failed query (a 500); past
/// <see cref="ClueStore.CountLimit"/> matches the total says "more than that" and the pages go on.
/// </summary>
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

    /// <summary>
    /// Past the limit (<see cref="ManyClues"/>), each way of counting (one branch: the officer's school; the admin's
    /// everything; the liaison's branches each counted first, then their union) stops at the limit and says so, a narrower
    /// filter is counted exactly, and the page after the limit's is still there.
    /// </summary>
    [Fact]
    public async Task PastTheCountLimit_TheTotalSaysMoreThanThat_AndThePagesGoOn()
    {
        try
        {
            var school = await ManyClues.InsertAsync(host.Db.DataSource, host.Clock.GetUtcNow().UtcDateTime);
            foreach (var (who, url) in new[]
                     {
                         ("demo-school01-officer", "/api/clues?scope=school"), ("demo-edu-admin", "/api/clues"), ("demo-POL-liaison", "/api/clues"),
                     })
            {
                var client = await host.ClientForAsync(who);
                var first = await MiniAppHost.JsonAsync(await client.GetAsync(url));
                Assert.Equal(ClueStore.CountLimit, first.GetProperty("total").GetInt64());
                Assert.True(first.GetProperty("totalCapped").GetBoolean(), $"{who} {url}");
                Assert.Equal("CAP-1", first.GetProperty("items")[0].GetProperty("number").GetString());
                var and = url.Contains('?') ? '&' : '?';
                var after = await MiniAppHost.JsonAsync(await client.GetAsync($"{url}{and}page={ClueStore.CountLimit / 20 + 1}&pageSize=20"));
                Assert.Equal(20, after.GetProperty("items").GetArrayLength());
                Assert.Equal($"CAP-{ClueStore.CountLimit + 1}", after.GetProperty("items")[0].GetProperty("number").GetString());
                Assert.True(after.GetProperty("totalCapped").GetBoolean());
                var narrow = await MiniAppHost.JsonAsync(await client.GetAsync($"{url}{and}state=PendingAcceptance&school={school}"));
                Assert.False(narrow.GetProperty("totalCapped").GetBoolean());
                Assert.InRange(narrow.GetProperty("total").GetInt64(), ManyClues.Pending, 1_000);   // the 30 written, and the demo's own
            }
        }
        finally
        {
            await ManyClues.DeleteAsync(host.Db.DataSource);
        }
    }
}
