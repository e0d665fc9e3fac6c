using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// A fake DingTalk (both API families) and four platforms' gateway on one loopback port, counting what reaches the people.
/// It keeps DingTalk's own keys as DingTalk does: a card's outTrackId is created once (again: 400 <c>param.cardAlreadyExist</c>),
/// a to-do's sourceId once (again: 400 "task exist"), the gateway's Idempotency-Key once (again: the same event id). Robot
/// messages (group and 1:1) and work notices have no key at DingTalk: each accepted call is a message a person sees, so a
/// second one is a duplicate. <see cref="Down"/> makes every call fail (503) as during an outage; <see cref="Delay"/> keeps
/// calls in flight long enough for a kill to land mid-send.
/// </summary>
public sealed class CountingDingTalk : IAsyncDisposable
{
    public const string GatewayPath = "/grid/api/dispatches";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _gatewayEvents = new(StringComparer.Ordinal);
    private int _inFlight;
    private long _calls;

    public string Url { get; }
    public volatile bool Down;
    public TimeSpan Delay { get; set; }
    public int InFlight => Volatile.Read(ref _inFlight);
    public long Calls => Interlocked.Read(ref _calls);

    private CountingDingTalk(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<CountingDingTalk> StartAsync()
    {
        var port = ChaosPorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var fake = new CountingDingTalk(app, $"http://127.0.0.1:{port}");
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        return fake;
    }

    /// <summary>How many times each key reached DingTalk (accepted calls only).</summary>
    public IReadOnlyDictionary<string, int> Seen => _seen;

    /// <summary>Keys with this prefix that arrived more than once, and by how many extra copies.</summary>
    public int Duplicates(string prefix) => _seen.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.Value - 1);

    public int Distinct(string prefix) => _seen.Keys.Count(k => k.StartsWith(prefix, StringComparison.Ordinal));

    public void Reset()
    {
        _seen.Clear();
        _gatewayEvents.Clear();
    }

    private void Count(string key) => _seen.AddOrUpdate(key, 1, (_, n) => n + 1);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private async Task HandleAsync(HttpContext http)
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Increment(ref _calls);
        try
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync(http.RequestAborted);
            // A request that arrived whole is acted on even if its caller dies meanwhile, as at DingTalk: no token here.
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
            if (Down)
            {
                http.Response.StatusCode = 503;
                await http.Response.WriteAsJsonAsync(new { code = "system.busy", message = "服务暂不可用" });
                return;
            }
            await AnswerAsync(http, http.Request.Path.Value ?? "", body);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The caller went away (killed) before its request arrived whole, or before the answer was written.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task AnswerAsync(HttpContext http, string path, string body)
    {
        var json = body.Length > 0 && (body[0] == '{' || body[0] == '[') ? JsonNode.Parse(body) : null;
        switch (path)
        {
            case "/v1.0/oauth2/accessToken":
                await http.Response.WriteAsJsonAsync(new { accessToken = "chaos-token", expireIn = 7200 });
                return;
            case "/gettoken":
                await http.Response.WriteAsJsonAsync(new { errcode = 0, access_token = "chaos-token", expires_in = 7200 });
                return;
            case "/v1.0/card/instances/createAndDeliver":
            {
                var track = json?["outTrackId"]?.GetValue<string>() ?? "";
                if (!_seen.TryAdd("card:" + track, 1))
                {
                    http.Response.StatusCode = 400;
                    await http.Response.WriteAsJsonAsync(new { code = "param.cardAlreadyExist", message = "card already exist" });
                    return;
                }
                await http.Response.WriteAsJsonAsync(new { success = true, result = new { outTrackId = track, deliverResults = Spaces(track, json) } });
                return;
            }
            case "/v1.0/card/instances/deliver":
            {
                var track = json?["outTrackId"]?.GetValue<string>() ?? "";
                await http.Response.WriteAsJsonAsync(new { success = true, result = Spaces(track, json) });
                return;
            }
            case "/v1.0/card/instances":
                Count($"card-update:{json?["outTrackId"]}:{Hash(body)}");
                await http.Response.WriteAsJsonAsync(new { success = true, result = true });
                return;
            case "/v1.0/robot/groupMessages/send":
                Count($"group:{json?["openConversationId"]}:{Hash(json?["msgParam"]?.ToString() ?? "")}");
                await http.Response.WriteAsJsonAsync(new { processQueryKey = "pqk-" + Guid.NewGuid().ToString("N") });
                return;
            case "/v1.0/robot/oToMessages/batchSend":
            {
                var param = Hash(json?["msgParam"]?.ToString() ?? "");
                foreach (var user in json?["userIds"]?.AsArray() ?? []) Count($"user:{user}:{param}");
                await http.Response.WriteAsJsonAsync(new { processQueryKey = "pqk-" + Guid.NewGuid().ToString("N"), invalidStaffIdList = Array.Empty<string>(), flowControlledStaffIdList = Array.Empty<string>() });
                return;
            }
            case "/topapi/message/corpconversation/asyncsend_v2":
                Count($"notice:{json?["userid_list"]}:{Hash(json?["msg"]?.ToJsonString() ?? "")}");
                await http.Response.WriteAsJsonAsync(new { errcode = 0, errmsg = "ok", task_id = Random.Shared.NextInt64(1, long.MaxValue) });
                return;
            case GatewayPath:
            {
                var key = http.Request.Headers["Idempotency-Key"].ToString();
                Count("gateway-post:" + key);
                var eventId = _gatewayEvents.GetOrAdd(key, _ => { Count("gateway:" + key); return "EV" + Guid.NewGuid().ToString("N")[..12]; });
                await http.Response.WriteAsJsonAsync(new { eventId });
                return;
            }
        }
        if (path.StartsWith("/v1.0/todo/users/", StringComparison.Ordinal) && path.EndsWith("/tasks", StringComparison.Ordinal)
            && http.Request.Method == HttpMethods.Post)
        {
            var source = json?["sourceId"]?.GetValue<string>() ?? Guid.NewGuid().ToString();
            if (!_seen.TryAdd("todo:" + source, 1))
            {
                http.Response.StatusCode = 400;
                await http.Response.WriteAsJsonAsync(new { code = "param.taskExist", message = "task exist" });
                return;
            }
            await http.Response.WriteAsJsonAsync(new { id = "task-" + Hash(source), sourceId = source, subject = json?["subject"]?.ToString() });
            return;
        }
        if (path.StartsWith("/v1.0/todo/users/", StringComparison.Ordinal))
        {
            Count($"todo-update:{path}:{Hash(body)}");
            await http.Response.WriteAsJsonAsync(new { result = true });
            return;
        }
        if (path.StartsWith("/topapi/", StringComparison.Ordinal))
        {
            await http.Response.WriteAsJsonAsync(new { errcode = 0, errmsg = "ok", result = new { } });
            return;
        }
        await http.Response.WriteAsJsonAsync(new { success = true, result = true });
    }

    /// <summary>A successful deliver result per space of the request's openSpaceId; each delivery of a card to a space is counted.</summary>
    private object[] Spaces(string track, JsonNode? json)
    {
        var spaces = (json?["openSpaceId"]?.GetValue<string>() ?? "").Replace("dtv1.card//", "", StringComparison.Ordinal)
            .Split(';', StringSplitOptions.RemoveEmptyEntries);
        return spaces.Select(s =>
        {
            Count($"card-space:{track}:{s}");
            var dot = s.IndexOf('.', StringComparison.Ordinal);
            return (object)new { spaceType = dot > 0 ? s[..dot] : s, spaceId = dot > 0 ? s[(dot + 1)..] : s, success = true, carrierId = "carrier" };
        }).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
