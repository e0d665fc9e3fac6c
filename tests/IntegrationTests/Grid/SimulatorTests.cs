using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Callbacks.Simulator;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Grid;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Grid;

/// <summary>The Callbacks host in Development: the gateway is the host's own simulator, and the simulator pushes back to the host.</summary>
public sealed class SimulatorHost : GridHost
{
    protected override string EnvironmentName => "Development";

    protected override void Configure(IWebHostBuilder b)
    {
        b.UseSetting("FourPlatforms:BaseUrl", "http://localhost/dev/four-platforms/");
        b.UseSetting("FourPlatforms:CallbackUrl", "http://localhost/four-platforms/pushes");
        b.ConfigureTestServices(s =>
        {
            // Both directions go through the in-memory server.
            s.AddHttpClient(nameof(GridGateway)).ConfigurePrimaryHttpMessageHandler(() => Factory.Server.CreateHandler());
            s.AddHttpClient(FourPlatformsSimulator.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Factory.Server.CreateHandler());
        });
    }
}

[Collection(DatabaseCollection.Name)]
public sealed class SimulatorTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    private sealed record SimEvent(string EventId, string DispatchId, string? ClueNumber, string? School, List<string> Pushes);

    private async Task<List<SimEvent>> EventsAsync() =>
        (await host.Client.GetFromJsonAsync<List<SimEvent>>("/dev/four-platforms/api/events", JsonSerializerOptions.Web))!;

    private async Task<string> PushAsync(string eventId, string kind, string? stage = null, string? note = null)
    {
        var r = await host.Client.PostAsJsonAsync($"/dev/four-platforms/events/{eventId}/push", new { kind, stage, note });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
    }

    [Fact]
    public async Task Simulator_AcceptsTheDispatch_ShowsIt_PushesSignedProgressAndResult_AndARedoIsASecondEvent()
    {
        var c = await host.ApprovedDispatchAsync();
        await host.DrainAsync();
        var ev = Assert.Single(await EventsAsync(), e => e.ClueNumber == c.Number);
        Assert.Equal(ev.EventId, (await host.ClueAsync(c.ClueId)).GridEventId);
        var page = await host.Client.GetStringAsync("/dev/four-platforms");
        Assert.Contains(ev.EventId, page);
        Assert.Contains("基层治理四平台（模拟", page);

        Assert.Equal("push.applied", await PushAsync(ev.EventId, "progress", "town_received"));
        Assert.Equal("push.applied", await PushAsync(ev.EventId, "progress", "assigned"));
        Assert.Equal("push.applied", await PushAsync(ev.EventId, "result", note: "摊贩已清理"));
        var pending = await host.ClueAsync(c.ClueId);
        Assert.Equal(ClueState.PendingConfirmation, pending.State);
        Assert.Contains("GridProgress:DispatchedToGrid:已交办处置力量（模拟镇街指挥室）", await host.TimelineAsync(c.ClueId));

        var district = await host.UserAsync("demo-POL-handler");
        await host.ActAsync(new ActionOutcome { Kind = OutcomeKind.Applied, ClueId = c.ClueId, Version = pending.Version, Code = "", Message = "" },
            ClueAction.RejectResult, district, "仍未整改到位");
        await host.DrainAsync();
        var events = (await EventsAsync()).Where(e => e.ClueNumber == c.Number).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(events[1].EventId, (await host.ClueAsync(c.ClueId)).GridEventId);
        Assert.Equal("push.kept", await PushAsync(events[0].EventId, "progress", "handling"));
    }

    [Fact]
    public async Task Simulator_TheSameDispatchIdTwice_IsOneEvent_AndItsModesRefuseOrFail()
    {
        var body = JsonContent.Create(new { dispatchId = "SIM-TEST-1", clueNumber = "XA-TEST" });
        var first = await (await host.Client.PostAsync("/dev/four-platforms/api/dispatches", body)).Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await host.Client.PostAsync("/dev/four-platforms/api/dispatches", JsonContent.Create(new { dispatchId = "SIM-TEST-1" }))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(first.GetProperty("eventId").GetString(), again.GetProperty("eventId").GetString());

        await host.Client.PostAsync("/dev/four-platforms/mode/refuse", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await host.Client.PostAsync("/dev/four-platforms/api/dispatches", JsonContent.Create(new { dispatchId = "SIM-TEST-2" }))).StatusCode);
        await host.Client.PostAsync("/dev/four-platforms/mode/down", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.PostAsync("/dev/four-platforms/api/dispatches", JsonContent.Create(new { dispatchId = "SIM-TEST-3" }))).StatusCode);
        await host.Client.PostAsync("/dev/four-platforms/mode/accept", null);
    }
}

[Collection(DatabaseCollection.Name)]
public sealed class SimulatorOutsideDevelopmentTests(GridHost host) : IClassFixture<GridHost>
{
    [Fact]
    public async Task OutsideDevelopment_TheSimulatorIsNotMapped()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/dev/four-platforms")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsync("/dev/four-platforms/api/dispatches", JsonContent.Create(new { dispatchId = "x" }))).StatusCode);
    }
}
