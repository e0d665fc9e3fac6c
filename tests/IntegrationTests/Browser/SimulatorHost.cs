using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SchoolSafety.Callbacks;
using SchoolSafety.Core;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.IntegrationTests.Browser;

/// <summary>
/// The whole product on one machine as a local run has it: the mini-app host (Testing), the Callbacks host on a real port in
/// Development with the DingTalk simulator at <c>/dev/dingtalk/</c>, and the Bot's outbox dispatcher run every 150 ms
/// (the scheduler itself is not run in tests), every offline recorder writing to one file the simulator reads. With
/// <see cref="StreamMode"/> the Callbacks host takes its clicks and messages over Stream from the simulator's gateway.
/// </summary>
public abstract class SimulatorHost : BrowserHost
{
    public const string CardSecret = "local-card-callback-secret";
    public const string RobotSecret = "local-robot-app-secret";

    protected abstract bool StreamMode { get; }

    public WebApplicationFactory<CallbacksEntryPoint> Callbacks { get; private set; } = null!;
    public string CallbacksUrl { get; private set; } = "";
    public string SimulatorUrl => CallbacksUrl + "/dev/dingtalk/";
    private ServiceProvider? bot;
    private readonly CancellationTokenSource stopPump = new();
    private Task? pump;

    protected override async Task StartMoreAsync()
    {
        var port = FreePort();
        CallbacksUrl = $"http://127.0.0.1:{port}";
        Callbacks = new WebApplicationFactory<CallbacksEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.UseSetting("ConnectionStrings:SchoolSafety", Db.ConnectionString);
            b.UseSetting("DingTalk:OfflineLogPath", CallsLog);
            b.UseSetting("DingTalk:CardCallbackSecret", CardSecret);
            b.UseSetting("DingTalk:AppSecret", RobotSecret);
            b.UseSetting("Simulator:MiniAppUrl", BaseUrl);
            b.UseSetting("Cards:MiniAppUrl", BaseUrl);   // the chatbot's replies link the mini-app here, as the cards do
            b.UseSetting("Photos:Folder", PhotoFolder);
            b.UseSetting("FourPlatforms:Simulator", "false");
            if (StreamMode)
            {
                b.UseSetting("DingTalk:Stream:Enabled", "true");
                b.UseSetting("DingTalk:ApiBaseUrl", CallbacksUrl + "/dev/dingtalk");
                b.UseSetting("DingTalk:Stream:ReconnectMin", "00:00:00.200");
                b.UseSetting("DingTalk:Stream:ReconnectMax", "00:00:01");
            }
        });
        Callbacks.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        Callbacks.StartServer();

        // The Bot's side: the outbox dispatcher, rendering cards for HTTP callbacks (a route key) or Stream ones (none).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:SchoolSafety"] = Db.ConnectionString,
            ["DingTalk:OfflineLogPath"] = CallsLog,
            ["Cards:CallbackRouteKey"] = StreamMode ? null : "schoolsafety-local",
            ["Cards:MiniAppUrl"] = BaseUrl,   // every link the Bot sends opens the mini-app host under test
            ["DingTalk:Todos:GraceWorkingDays"] = "0",   // the journey shows the handler's to-do at once (the lazy default: LazyTodoTests)
        });
        builder.AddSchoolSafetyCore();
        bot = builder.Services.BuildServiceProvider();
        pump = Task.Run(PumpAsync);
        if (StreamMode) await WaitForStreamAsync();
    }

    private readonly SemaphoreSlim dispatching = new(1, 1);
    private volatile bool paused;

    /// <summary>Holds the outbox (as a Bot that is behind): what the product queues from now on reaches DingTalk only after <see cref="ResumeDispatch"/>.</summary>
    public async Task PauseDispatchAsync()
    {
        paused = true;
        await dispatching.WaitAsync();   // the run in flight, if any, is over
        dispatching.Release();
    }

    public void ResumeDispatch() => paused = false;

    private async Task PumpAsync()
    {
        while (!stopPump.IsCancellationRequested)
        {
            try
            {
                await dispatching.WaitAsync(stopPump.Token);
                try
                {
                    if (!paused) await bot!.GetRequiredService<OutboxDispatcher>().DispatchOnceAsync(stopPump.Token);
                }
                finally
                {
                    dispatching.Release();
                }
                await Task.Delay(150, stopPump.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Until the Callbacks host's Stream client holds a connection to the simulator's gateway.</summary>
    public async Task WaitForStreamAsync(int atLeastOpened = 1)
    {
        using var http = new HttpClient { BaseAddress = new Uri(SimulatorUrl) };
        for (var i = 0; i < 200; i++)
        {
            var s = await http.GetFromJsonAsync<JsonElement>("api/stream");
            if (s.GetProperty("connections").GetArrayLength() > 0 && s.GetProperty("opened").GetInt32() >= atLeastOpened) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("the Callbacks host did not connect to the simulator's Stream gateway");
    }

    protected override async Task StopMoreAsync()
    {
        await stopPump.CancelAsync();
        if (pump is not null) await pump;
        if (bot is not null) await bot.DisposeAsync();
        if (Callbacks is not null) await Callbacks.DisposeAsync();
    }

    /// <summary>A clue action through the mini-app's API as one person (the development login), e.g. while a card is stale.</summary>
    public async Task<HttpResponseMessage> ActAsync(string dingTalkUserId, long clueId, string action, int version, string? note = null)
    {
        using var api = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        var login = await api.PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await api.PostAsJsonAsync($"/api/clues/{clueId}/actions", new { action, version, idempotencyKey = Guid.NewGuid().ToString(), note });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class HttpSimulatorHost : SimulatorHost
{
    protected override bool StreamMode => false;
}

public sealed class StreamSimulatorHost : SimulatorHost
{
    protected override bool StreamMode => true;
}
