using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Grid;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.IntegrationTests.MiniApp;

namespace SchoolSafety.IntegrationTests.Grid;

/// <summary>The dispatch's photo links, served by the mini-app host to the command rooms for weeks, and nothing else.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class GridPhotosTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    [Fact]
    public async Task ADispatchPhotoLink_OpensThePhoto_ForItsLifetime_AForgedOrExpiredOneDoesNot()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var upload = await officer.PostAsync("/api/photos", new MultipartFormDataContent
        {
            { new ByteArrayContent(SchoolSafety.Core.Tests.Photos.TestImages.Encode(40, 30, SkiaSharp.SKEncodedImageFormat.Jpeg)), "photos", "p.jpg" },
        });
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var key = (await upload.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("keys")[0].GetString()!;
        var link = host.Factory.Services.GetRequiredService<GridPhotoLinks>().Create(key);
        Assert.StartsWith(GridPhotoLinks.Path, link);   // no PhotoBaseUrl configured here: a path on this host

        var anonymous = host.Anonymous();
        var photo = await anonymous.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        Assert.Equal("image/jpeg", photo.Content.Headers.ContentType!.MediaType);

        var forged = link[..^4] + (link[^4..] == "0000" ? "1111" : "0000");
        await MiniAppHost.AssertProblemAsync(await anonymous.GetAsync(forged), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await anonymous.GetAsync($"{GridPhotoLinks.Path}{key}"), HttpStatusCode.Forbidden, "forbidden");
        // The mini-app's own 10-minute links are not these.
        await MiniAppHost.AssertProblemAsync(await anonymous.GetAsync(link.Replace(GridPhotoLinks.Path, "/api/photos/") + "&v=full"), HttpStatusCode.Forbidden, "forbidden");

        var start = host.Clock.Now;
        try
        {
            host.Clock.Now = start.AddDays(29);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(link)).StatusCode);
            host.Clock.Now = start.AddDays(31);
            await MiniAppHost.AssertProblemAsync(await anonymous.GetAsync(link), HttpStatusCode.Gone, "photo.link_expired");
        }
        finally
        {
            host.Clock.Now = start;
        }
    }
}
