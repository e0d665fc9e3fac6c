using System.Net;
using System.Net.Http.Json;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.MiniApp.Api;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>Issue 9: what the framework answers on its own (an unknown route, a bad id, a wrong method) is a Chinese ProblemDetails with a stable code too.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RequestProblemsTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    [Fact]
    public async Task UnknownRoute_BadId_WrongMethod_UnboundParameter_AnswerChineseProblems()
    {
        var client = await host.ClientForAsync("demo-school01-officer");
        await MiniAppHost.AssertProblemAsync(await client.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound, "request.not_found");
        await MiniAppHost.AssertProblemAsync(await client.GetAsync("/api/clues/abc"), HttpStatusCode.NotFound, "request.not_found");
        await MiniAppHost.AssertProblemAsync(await client.DeleteAsync("/api/clues"), HttpStatusCode.MethodNotAllowed, "request.method_not_allowed");
        await MiniAppHost.AssertProblemAsync(await client.GetAsync("/api/clues?page=abc"), HttpStatusCode.BadRequest, "request.malformed");
        await MiniAppHost.AssertProblemAsync(await client.PostAsync("/api/clues/1/actions", new StringContent("<x/>", System.Text.Encoding.UTF8, "application/xml")),
            HttpStatusCode.UnsupportedMediaType, "request.unsupported_media_type");
    }

    [Fact]
    public async Task AMissingClue_AndAnInvisibleOne_GetTheSameAnswer()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var form = new MultipartFormDataContent
        {
            { new StringContent("4"), "itemNo" }, { new StringContent("校门口摊贩"), "description" }, { new StringContent(Guid.NewGuid().ToString()), "idempotencyKey" },
        };
        var created = await MiniAppHost.JsonAsync(await officer.PostAsync("/api/clues", form));
        var id = created.GetProperty("id").GetInt64();
        var stranger = await host.ClientForAsync("demo-school02-officer");
        var hidden = await stranger.PostAsJsonAsync($"/api/clues/{id}/actions", new { action = "comment", note = "看看", idempotencyKey = Guid.NewGuid() });
        var missing = await stranger.PostAsJsonAsync($"/api/clues/{id + 1_000_000}/actions", new { action = "comment", note = "看看", idempotencyKey = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(hidden.StatusCode, missing.StatusCode);
        static string WithoutTrace(System.Text.Json.JsonElement p) =>
            string.Join('|', p.EnumerateObject().Where(e => e.Name != "traceId").Select(e => $"{e.Name}={e.Value}"));
        Assert.Equal(WithoutTrace(await MiniAppHost.JsonAsync(hidden)), WithoutTrace(await MiniAppHost.JsonAsync(missing)));
    }

    [Fact]
    public async Task EveryFrameworkStatus_HasAChineseTitleAndACode()
    {
        foreach (var status in Problems.FrameworkStatuses)
        {
            var http = new DefaultHttpContextWithServices(host.Factory.Services);
            await Problems.ForStatus(status).ExecuteAsync(http.Context);
            http.Context.Response.Body.Position = 0;
            var p = await System.Text.Json.JsonSerializer.DeserializeAsync<System.Text.Json.JsonElement>(http.Context.Response.Body);
            Assert.Equal(status, http.Context.Response.StatusCode);
            Assert.Matches(@"^[a-z_]+(\.[a-z_]+)?$", p.GetProperty("code").GetString());
            Assert.Matches(@"^[^A-Za-z]*\p{IsCJKUnifiedIdeographs}[^A-Za-z]*$", p.GetProperty("title").GetString());
        }
    }

    private sealed class DefaultHttpContextWithServices
    {
        public DefaultHttpContextWithServices(IServiceProvider services) =>
            Context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };

        public Microsoft.AspNetCore.Http.DefaultHttpContext Context { get; }
    }
}
