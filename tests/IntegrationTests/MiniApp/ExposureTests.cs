using System.Net;
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
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(SchoolSafety.Core.Tests.Photos.TestImages.Encode(40, 30, SkiaSharp.SKEncodedImageFormat.Jpeg)), "photos", "p.jpg" },
        };
        var up = await client.PostAsync("/api/photos", form);
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        var key = (await MiniAppHost.JsonAsync(up)).GetProperty("keys")[0].GetString()!;
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
}
