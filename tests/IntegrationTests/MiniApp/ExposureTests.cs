using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Photos;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.MiniApp.Api.Photos;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>Small holes: photos cached or sniffed, a date at the edge of the calendar as a 500.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ExposureTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    [Fact]
    public async Task Photo_IsServedNosniff_AndNeverCached()
    {
        var client = await host.ClientForAsync("demo-school01-officer");
        var key = await MiniAppHost.UploadAsync(client);
        var link = host.Factory.Services.GetRequiredService<PhotoLinks>().Create(key, PhotoVariant.Original);

        var r = await host.Anonymous().GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("nosniff", string.Join(",", r.Headers.GetValues("X-Content-Type-Options")));
        Assert.True(r.Headers.CacheControl is { Private: true, NoStore: true }, r.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("from=0001-01-01&to=0001-01-02")]
    [InlineData("from=9999-12-30&to=9999-12-31")]
    [InlineData("from=0001-01-01")]
    public async Task Statistics_AtTheEdgeOfTheCalendar_IsABadRequest_NotA500(string period)
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        foreach (var path in new[] { "/api/statistics", "/api/statistics/guidance-coverage", "/api/statistics/export?format=csv" })
        {
            var r = await admin.GetAsync(path + (path.Contains('?') ? "&" : "?") + period);
            await MiniAppHost.AssertProblemAsync(r, HttpStatusCode.BadRequest, "statistics.period_invalid");
        }
    }

    [Fact]
    public async Task Guidance_ForASchoolTheUnitDoesNotServe_IsRefused()
    {
        (long Unit, long Town) row;
        await using (var conn = await host.Db.DataSource.OpenConnectionAsync())
            row = await Dapper.SqlMapper.QuerySingleAsync<(long, long)>(conn, """
                SELECT m.unit_id, s.town_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id JOIN schools s ON s.id = g.school_id
                 WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
                """);
        var (unit, town) = row;
        var who = await host.ScalarAsync<string>(
            "SELECT u.dingtalk_user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.unit_id = @unit AND m.role = 'Handler' ORDER BY m.id LIMIT 1", new { unit });
        var elsewhere = await host.ScalarAsync<long>("""
            SELECT s.id FROM schools s WHERE s.town_id <> @town
               AND NOT EXISTS (SELECT 1 FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id WHERE g.school_id = s.id AND m.unit_id = @unit)
             ORDER BY s.id LIMIT 1
            """, new { town, unit });
        var client = await host.ClientForAsync(who);
        var r = await client.PostAsJsonAsync("/api/guidance", new
        {
            schoolId = elsewhere, unitId = unit, kind = "Publicity", date = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd"),
            summary = "交通安全宣传", attendees = "民警 2 人", photoIds = Array.Empty<string>(), findings = Array.Empty<object>(),
        });
        await MiniAppHost.AssertProblemAsync(r, HttpStatusCode.Forbidden, "guidance.school_not_served");
    }

    [Fact]
    public async Task Export_ByADistrictHandler_ListsOnlyCluesTheyCouldOpen()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var form = new MultipartFormDataContent
        {
            { new StringContent("4"), "itemNo" }, { new StringContent("校门口车辆违停"), "description" }, { new StringContent(Guid.NewGuid().ToString()), "idempotencyKey" },
        };
        var reported = await officer.PostAsync("/api/clues", form);
        Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        var reportedJson = await MiniAppHost.JsonAsync(reported);
        var (id, number) = (reportedJson.GetProperty("id").GetInt64(), reportedJson.GetProperty("number").GetString()!);

        // The district police handler counts the line's clues, but this one is the town police's: not theirs to open, nor to list.
        var handler = await host.ClientForAsync("demo-POL-handler");
        Assert.Equal(HttpStatusCode.NotFound, (await handler.GetAsync($"/api/clues/{id}")).StatusCode);
        var csv = await (await handler.GetAsync("/api/statistics/export?format=csv")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(number, csv);

        var liaison = await host.ClientForAsync("demo-POL-liaison");   // the line's liaison may open it, and list it
        Assert.Contains(number, await (await liaison.GetAsync("/api/statistics/export?format=csv")).Content.ReadAsStringAsync());
    }
}
