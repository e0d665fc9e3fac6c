using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace SchoolSafety.IntegrationTests.DingTalk;

/// <summary>
/// Two WireMock servers standing in for DingTalk's new API and legacy API, with a token endpoint that
/// hands out <c>tok-1</c>, <c>tok-2</c>, … in turn, and a factory for a real <see cref="DingTalkClient"/> pointed at them.
/// </summary>
public sealed class DingTalkFake : IDisposable
{
    public WireMockServer Api { get; } = WireMockServer.Start();
    public WireMockServer Legacy { get; } = WireMockServer.Start();
    private int _tokens;

    public DingTalkFake()
    {
        Api.Given(Request.Create().WithPath("/v1.0/oauth2/accessToken").UsingPost())
            .RespondWith(Response.Create().WithCallback(_ => new WireMock.ResponseMessage
            {
                StatusCode = 200,
                BodyData = new WireMock.Util.BodyData
                {
                    BodyAsString = JsonSerializer.Serialize(new { accessToken = $"tok-{Interlocked.Increment(ref _tokens)}", expireIn = 7200 }),
                    DetectedBodyType = WireMock.Types.BodyType.String,
                },
                Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["Content-Type"] = new("application/json") },
            }));
    }

    public int TokensIssued => Volatile.Read(ref _tokens);

    public DingTalkOptions Options(Action<DingTalkOptions>? configure = null)
    {
        var o = new DingTalkOptions
        {
            ApiBaseUrl = Api.Url!,
            LegacyBaseUrl = Legacy.Url!,
            AppKey = "dingappkey",
            AppSecret = "app-secret",
            AgentId = 4242,
            RobotCode = "dingrobot",
            ThrottleBackoff = TimeSpan.FromMilliseconds(50),
            CallsPerSecondPerApi = 1000,
        };
        configure?.Invoke(o);
        return o;
    }

    public DingTalkClient CreateClient(
        DingTalkOptions? options = null, ApiRateLimiter? limiter = null, AccessTokenCache? tokens = null,
        Microsoft.Extensions.Logging.ILogger<DingTalkClient>? logger = null)
    {
        options ??= Options();
        return new DingTalkClient(
            // Generous: on a loaded 2-core CI machine a first WireMock answer has taken over 10 s; no test here waits on the timeout.
            new HttpClient { Timeout = TimeSpan.FromSeconds(60) },
            Microsoft.Extensions.Options.Options.Create(options),
            tokens ?? new AccessTokenCache(TimeProvider.System, options.TokenRefreshMargin),
            limiter ?? new ApiRateLimiter(TimeProvider.System, options.CallsPerSecondPerApi, options.RateWindow),
            TimeProvider.System,
            logger ?? NullLogger<DingTalkClient>.Instance);
    }

    public IReadOnlyList<ILogEntry> Calls(WireMockServer server, string path) =>
        server.LogEntries.Where(e => e.RequestMessage.Path == path).OrderBy(e => e.RequestMessage.DateTime).ToList();

    /// <summary>The HTTP status WireMock answered with (a mapping without WithStatusCode leaves it unset: 200).</summary>
    public static int Status(ILogEntry e) => e.ResponseMessage.StatusCode switch
    {
        null => 200,
        int i => i,
        System.Net.HttpStatusCode c => (int)c,
        var other => int.Parse(other.ToString()!),
    };

    public int TokenCalls => Calls(Api, "/v1.0/oauth2/accessToken").Count;

    public static JsonElement Body(ILogEntry e) => JsonDocument.Parse(e.RequestMessage.Body!).RootElement;

    public static string? Header(ILogEntry e, string name) =>
        e.RequestMessage.Headers!.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    public static string? Query(ILogEntry e, string name) =>
        e.RequestMessage.Query!.TryGetValue(name, out var v) ? v.FirstOrDefault() : null;

    /// <summary>Keeps every formatted log line, at every level.</summary>
    public sealed class CapturingLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
    }

    public void Dispose()
    {
        Api.Stop();
        Legacy.Stop();
        Api.Dispose();
        Legacy.Dispose();
    }
}
