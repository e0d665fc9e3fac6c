using System.Text.Json;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>
/// <c>GET /dev/dingtalk/calls?after={id}&amp;limit={n}</c>: the offline recorder's calls from every host, in order, each
/// with the exact body DingTalk would receive (docs/cards.md, "The recording"). Mapped in Development only.
/// </summary>
public static class RecordedCallsEndpoints
{
    public const string Path = "/dev/dingtalk/calls";

    public static IEndpointRouteBuilder MapRecordedDingTalkCalls(this IEndpointRouteBuilder app, IWebHostEnvironment env)
    {
        if (!env.IsDevelopment()) return app;
        app.MapGet(Path, async (DingTalkCallStore store, long? after, int? limit, CancellationToken ct) =>
        {
            var calls = await store.ListAsync(after ?? 0, limit ?? 200, ct);
            return Results.Json(calls.Select(c => new
            {
                id = c.Id, at = DateTime.SpecifyKind(c.RecordedAt, DateTimeKind.Utc), method = c.Method, api = c.Api, httpMethod = c.HttpMethod,
                url = c.BaseUrl.TrimEnd('/') + c.Path, target = c.Target, body = JsonSerializer.Deserialize<JsonElement>(c.Body),
            }));
        }).ExcludeFromDescription();
        return app;
    }
}
