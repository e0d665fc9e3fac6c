using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Exchange;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.IntegrationTests.MiniApp;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace SchoolSafety.IntegrationTests.Exchange;

[Collection(DatabaseCollection.Name)]
public sealed class ExchangeApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>, IAsyncLifetime
{
    private T Get<T>() where T : notnull => host.Factory.Services.GetRequiredService<T>();

    private static bool _reset;

    /// <summary>
    /// Exact figures (pages, deliveries): the class starts from the demo district alone, reset once, before this host
    /// has handed out any clue number (its reserved block would outlive a later reset).
    /// </summary>
    public async Task InitializeAsync()
    {
        if (_reset) return;
        _reset = true;
        await host.Db.ResetAsync();
        await Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ActionOutcome> ReportAsync(int item, string description = "校门口有无证摊贩占道经营")
    {
        var reporter = await host.ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = 'demo-school01-officer'");
        var c = await Get<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = reporter, ItemNo = item, Description = description, IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.True(c.Succeeded, c.Message);
        return c;
    }

    private async Task<string> CreateKeyAsync(string line, DateTimeOffset? expires = null)
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var r = await admin.PostAsJsonAsync("/api/admin/exchange/keys", new { lineCode = line, name = "区公安分局警务系统", expiresAt = expires ?? host.Clock.Now.AddDays(30) });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (await MiniAppHost.JsonAsync(r)).GetProperty("key").GetString()!;
    }

    private HttpClient KeyClient(string key)
    {
        var c = host.Anonymous();
        c.DefaultRequestHeaders.Add("X-Api-Key", key);
        return c;
    }

    private static List<JsonElement> Items(JsonElement page) => page.GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task AKey_SeesOnlyItsLine_PagesWithUpdatedSince_EveryReadAudited_AndNothingAfterRevocationOrExpiry()
    {
        var since = host.Clock.Now.AddSeconds(-1);
        var pol = new[] { await ReportAsync(4), await ReportAsync(5), await ReportAsync(4) };
        var other = await ReportAsync(16);   // food safety: the market line
        var key = await CreateKeyAsync("POL");

        // Stored hashed, shown once.
        Assert.Equal(0, await host.ScalarAsync<long>("SELECT COUNT(*) FROM exchange_api_keys WHERE key_hash = @k OR key_prefix = @k", new { k = key }));
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM exchange_api_keys WHERE key_hash = @h", new { h = ExchangeService.Hash(key) }));
        var admin = await host.ClientForAsync("demo-edu-admin");
        Assert.DoesNotContain(key, await admin.GetStringAsync("/api/admin/exchange/keys"));

        using var client = KeyClient(key);
        var keyId = await host.ScalarAsync<long>("SELECT id FROM exchange_api_keys WHERE key_hash = @h", new { h = ExchangeService.Hash(key) });
        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var url = $"/exchange/v1/clues?limit=2&updatedSince={Uri.EscapeDataString(since.ToString("O"))}" + (next is null ? "" : $"&cursor={next}");
            var page = await MiniAppHost.JsonAsync(await client.GetAsync(url));
            seen.AddRange(Items(page).Select(i => i.GetProperty("number").GetString()!));
            Assert.All(Items(page), i => Assert.Equal("POL", i.GetProperty("line").GetString()));
            next = page.GetProperty("next").GetString();
            pages++;
        } while (next is not null && pages < 10);
        Assert.Equal(pol.Select(p => p.Number!).Order(), seen.Order());
        Assert.Equal(2, pages);
        Assert.DoesNotContain(other.Number, seen);
        Assert.Equal(pages, await host.ScalarAsync<long>("SELECT COUNT(*) FROM exchange_reads WHERE key_id = @keyId AND resource = 'clues'", new { keyId }));

        // A change comes back after updatedSince.
        var after = host.Clock.Now;
        host.Clock.Now = host.Clock.Now.AddSeconds(5);
        var member = await host.ScalarAsync<long>("""
            SELECT m.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        Assert.True((await Get<ClueService>().ApplyAsync(new ClueCommand
        {
            ClueId = pol[1].ClueId, Action = ClueAction.Accept, Version = 1, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(member),
        })).Succeeded);
        var changed = Items(await MiniAppHost.JsonAsync(await client.GetAsync($"/exchange/v1/clues?updatedSince={Uri.EscapeDataString(after.AddSeconds(1).ToString("O"))}")));
        Assert.Equal(pol[1].Number, Assert.Single(changed).GetProperty("number").GetString());
        Assert.Equal("InProgress", changed[0].GetProperty("state").GetString());

        // The timeline of its own line's clue; another line's clue is not found.
        var timeline = await MiniAppHost.JsonAsync(await client.GetAsync($"/exchange/v1/clues/{pol[1].Number}/timeline"));
        Assert.Equal(["Report", "Accept"], timeline.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToArray());
        await MiniAppHost.AssertProblemAsync(await client.GetAsync($"/exchange/v1/clues/{other.Number}/timeline"), HttpStatusCode.NotFound, "exchange.clue_not_found");
        await MiniAppHost.AssertProblemAsync(await client.GetAsync($"/exchange/v1/clues/{other.Number}"), HttpStatusCode.NotFound, "exchange.clue_not_found");
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM exchange_reads WHERE key_id = @keyId AND resource = 'timeline' AND subject = @n", new { keyId, n = pol[1].Number }));

        // Revoked: nothing.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/exchange/keys/{keyId}/revoke", null)).StatusCode);
        await MiniAppHost.AssertProblemAsync(await client.GetAsync("/exchange/v1/clues"), HttpStatusCode.Unauthorized, "exchange.key_invalid");

        // Expired: nothing.
        var shortKey = await CreateKeyAsync("POL", host.Clock.Now.AddMinutes(5));
        using var shortClient = KeyClient(shortKey);
        Assert.Equal(HttpStatusCode.OK, (await shortClient.GetAsync("/exchange/v1/clues")).StatusCode);
        host.Clock.Now = host.Clock.Now.AddMinutes(6);
        await MiniAppHost.AssertProblemAsync(await shortClient.GetAsync("/exchange/v1/clues"), HttpStatusCode.Unauthorized, "exchange.key_invalid");
        await MiniAppHost.AssertProblemAsync(await host.Anonymous().GetAsync("/exchange/v1/clues"), HttpStatusCode.Unauthorized, "exchange.key_invalid");
    }

    [Fact]
    public async Task OnlyTheAdmin_CreatesKeysAndWebhooks_AndBadInputIsRefusedInChinese()
    {
        var staff = await host.ClientForAsync("demo-POL-head");
        await MiniAppHost.AssertProblemAsync(await staff.PostAsJsonAsync("/api/admin/exchange/keys", new { lineCode = "POL", name = "x", expiresAt = host.Clock.Now.AddDays(1) }), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await staff.PostAsJsonAsync("/api/admin/exchange/webhooks", new { lineCode = "POL", url = "https://example.org/h", events = new[] { "report" } }), HttpStatusCode.Forbidden, "forbidden");
        var admin = await host.ClientForAsync("demo-edu-admin");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/exchange/keys", new { lineCode = "NOPE", name = "x", expiresAt = host.Clock.Now.AddDays(1) }), HttpStatusCode.BadRequest, "exchange.line_unknown");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/exchange/keys", new { lineCode = "POL", name = "x", expiresAt = host.Clock.Now.AddDays(-1) }), HttpStatusCode.BadRequest, "exchange.key_expiry");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/exchange/webhooks", new { lineCode = "POL", url = "ftp://x", events = new[] { "report" } }), HttpStatusCode.BadRequest, "exchange.webhook_url");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/exchange/webhooks", new { lineCode = "POL", url = "https://example.org/h", events = new[] { "explode" } }), HttpStatusCode.BadRequest, "exchange.webhook_events");
    }

    [Fact]
    public async Task Webhooks_AreSigned_RetriedWithBackOffThroughTheOutbox_AndLoggedPerAttempt()
    {
        var dispatcher = Get<OutboxDispatcher>();
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(10), CancellationToken.None);   // what earlier tests queued goes first
        using var receiver = WireMockServer.Start();
        receiver.Given(Request.Create().WithPath("/hook").UsingPost()).AtPriority(100).RespondWith(Response.Create().WithStatusCode(200));
        receiver.Given(Request.Create().WithPath("/hook").UsingPost()).AtPriority(1).WithTitle("down").RespondWith(Response.Create().WithStatusCode(500));
        var admin = await host.ClientForAsync("demo-edu-admin");
        var created = await MiniAppHost.JsonAsync(await admin.PostAsJsonAsync("/api/admin/exchange/webhooks",
            new { lineCode = "POL", url = receiver.Url + "/hook", events = new[] { "report" } }));
        var hookId = created.GetProperty("id").GetInt64();
        var secret = created.GetProperty("secret").GetString()!;

        var c = await ReportAsync(4, "放学时段校门口车辆乱停");
        await ReportAsync(16);   // another line: no delivery
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(10), CancellationToken.None);   // fan-out, then a first attempt: 500
        Assert.Single(receiver.LogEntries);
        foreach (var m in receiver.MappingModels.Where(m => m.Title == "down")) receiver.DeleteMapping(m.Guid!.Value);
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.Single(receiver.LogEntries);   // not before its back-off
        host.Clock.Now = host.Clock.Now.AddMinutes(1);
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(10), CancellationToken.None);

        var entries = receiver.LogEntries.ToList();
        Assert.Equal(2, entries.Count);
        var eventIds = entries.Select(e => e.RequestMessage.Headers![WebhookRenderer.EventIdHeader][0]).Distinct().ToList();
        var eventId = Assert.Single(eventIds);
        var last = entries[1].RequestMessage;
        var ts = last.Headers![WebhookRenderer.TimestampHeader][0];
        Assert.Equal(WebhookRenderer.Sign(secret, ts, eventId, Encoding.UTF8.GetBytes(last.Body!)), last.Headers[WebhookRenderer.SignatureHeader][0]);
        var body = JsonDocument.Parse(last.Body!).RootElement;
        Assert.Equal("report", body.GetProperty("kind").GetString());
        Assert.Equal(eventId, body.GetProperty("eventId").GetString());
        Assert.Equal(c.Number, body.GetProperty("clue").GetProperty("number").GetString());

        var attempts = (await MiniAppHost.JsonAsync(await admin.GetAsync($"/api/admin/exchange/webhooks/{hookId}/attempts"))).EnumerateArray().Reverse().ToList();
        Assert.Equal([500, 200], attempts.Select(a => a.GetProperty("statusCode").GetInt32()).ToArray());
        Assert.Equal([1, 2], attempts.Select(a => a.GetProperty("attempt").GetInt32()).ToArray());
        Assert.Equal("HTTP 500", attempts[0].GetProperty("error").GetString());
        Assert.All(attempts, a => Assert.Equal(eventId, a.GetProperty("eventId").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/exchange/webhooks/{hookId}/disable", null)).StatusCode);
    }

    [Fact]
    public async Task Open311_ServicesAndRequests_InJsonAndXml_CarryEveryGeoReportField_ScopedByTheKey()
    {
        var reporter = await host.ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = 'demo-school01-officer'");
        var open = await Get<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = reporter, ItemNo = 5, Description = "校门口斑马线褪色", Location = "学校南门", Latitude = 30.4194m, Longitude = 120.3012m,
            IdempotencyKey = Guid.NewGuid().ToString(),
        });
        var closed = await ReportAsync(4);
        var member = await host.ScalarAsync<long>("""
            SELECT m.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        var accepted = await Get<ClueService>().ApplyAsync(new ClueCommand { ClueId = closed.ClueId, Action = ClueAction.Accept, Version = 1, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(member) });
        Assert.True((await Get<ClueService>().ApplyAsync(new ClueCommand
        {
            ClueId = closed.ClueId, Action = ClueAction.Resolve, Version = accepted.Version!.Value, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(member), Note = "已处置",
        })).Succeeded);
        var other = await ReportAsync(16);
        var key = await CreateKeyAsync("POL");
        var client = host.Anonymous();

        // services: the line's hazard rows, every field in the spec's order.
        var services = (await MiniAppHost.JsonAsync(await client.GetAsync($"/open311/v2/services.json?api_key={key}"))).EnumerateArray().ToList();
        Assert.Equal(["4", "5"], services.Select(s => s.GetProperty("service_code").GetString()!).ToArray());
        Assert.All(services, s => Assert.Equal(GeoReport.ServiceFields, s.EnumerateObject().Select(p => p.Name).ToArray()));
        Assert.All(services, s => Assert.Equal(JsonValueKind.False, s.GetProperty("metadata").ValueKind));
        Assert.Equal("realtime", services[0].GetProperty("type").GetString());
        var xmlResponse = await client.GetAsync($"/open311/v2/services.xml?api_key={key}");
        Assert.Equal("text/xml", xmlResponse.Content.Headers.ContentType!.MediaType);
        var servicesXml = System.Xml.Linq.XDocument.Parse(await xmlResponse.Content.ReadAsStringAsync());
        Assert.Equal("services", servicesXml.Root!.Name.LocalName);
        Assert.All(servicesXml.Root.Elements("service"), s => Assert.Equal(GeoReport.ServiceFields, s.Elements().Select(e => e.Name.LocalName).ToArray()));
        Assert.Equal(2, servicesXml.Root.Elements("service").Count());

        // requests: every field and our state as an extension; another line's clue is not there.
        string[] expected = [.. GeoReport.RequestFields, .. GeoReport.Extensions];
        var all = (await MiniAppHost.JsonAsync(await client.GetAsync($"/open311/v2/requests.json?api_key={key}"))).EnumerateArray().ToList();
        Assert.DoesNotContain(all, r => r.GetProperty("service_request_id").GetString() == other.Number);
        Assert.All(all, r => Assert.Contains(r.GetProperty("service_code").GetString(), new[] { "4", "5" }));
        var ours = $"{open.Number},{closed.Number}";
        var requests = (await MiniAppHost.JsonAsync(await client.GetAsync($"/open311/v2/requests.json?api_key={key}&service_request_id={ours}"))).EnumerateArray().ToList();
        Assert.Equal(new[] { closed.Number!, open.Number! }.Order().ToArray(), requests.Select(r => r.GetProperty("service_request_id").GetString()!).Order().ToArray());
        Assert.All(requests, r => Assert.Equal(expected, r.EnumerateObject().Select(p => p.Name).ToArray()));
        var o = requests.Single(r => r.GetProperty("service_request_id").GetString() == open.Number);
        Assert.Equal(("open", "PendingAcceptance", "5", "学校南门"), (o.GetProperty("status").GetString(), o.GetProperty("x_state").GetString(), o.GetProperty("service_code").GetString(), o.GetProperty("address").GetString()));
        Assert.Equal(30.4194m, o.GetProperty("lat").GetDecimal());
        Assert.Equal(120.3012m, o.GetProperty("long").GetDecimal());
        Assert.EndsWith("+08:00", o.GetProperty("requested_datetime").GetString());
        var c = requests.Single(r => r.GetProperty("service_request_id").GetString() == closed.Number);
        Assert.Equal(("closed", "Resolved", "已办结"), (c.GetProperty("status").GetString(), c.GetProperty("x_state").GetString(), c.GetProperty("x_state_zh").GetString()));
        var onlyClosed = (await MiniAppHost.JsonAsync(await client.GetAsync($"/open311/v2/requests.json?api_key={key}&status=closed"))).EnumerateArray().ToList();
        Assert.Contains(onlyClosed, r => r.GetProperty("service_request_id").GetString() == closed.Number);
        Assert.All(onlyClosed, r => Assert.Equal("closed", r.GetProperty("status").GetString()));

        var requestsXml = System.Xml.Linq.XDocument.Parse(await client.GetStringAsync($"/open311/v2/requests.xml?api_key={key}&service_request_id={ours}"));
        Assert.Equal("service_requests", requestsXml.Root!.Name.LocalName);
        Assert.Equal(2, requestsXml.Root.Elements("request").Count());
        Assert.All(requestsXml.Root.Elements("request"), r => Assert.Equal(expected, r.Elements().Select(e => e.Name.LocalName).ToArray()));

        var single = (await MiniAppHost.JsonAsync(await client.GetAsync($"/open311/v2/requests/{open.Number}.json?api_key={key}"))).EnumerateArray().ToList();
        Assert.Equal(open.Number, Assert.Single(single).GetProperty("service_request_id").GetString());
        var notOurs = await client.GetAsync($"/open311/v2/requests/{other.Number}.json?api_key={key}");
        Assert.Equal(HttpStatusCode.NotFound, notOurs.StatusCode);
        var error = (await MiniAppHost.JsonAsync(notOurs)).EnumerateArray().Single();
        Assert.Equal(404, error.GetProperty("code").GetInt32());
        var badKey = await client.GetAsync("/open311/v2/requests.xml?api_key=xak_nope");
        Assert.Equal(HttpStatusCode.Forbidden, badKey.StatusCode);
        Assert.Equal("errors", System.Xml.Linq.XDocument.Parse(await badKey.Content.ReadAsStringAsync()).Root!.Name.LocalName);
        var keyId = await host.ScalarAsync<long>("SELECT id FROM exchange_api_keys WHERE key_hash = @h", new { h = ExchangeService.Hash(key) });
        Assert.Equal(8, await host.ScalarAsync<long>("SELECT COUNT(*) FROM exchange_reads WHERE key_id = @keyId AND resource LIKE 'open311.%'", new { keyId }));
    }
}
