using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Grid;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>
/// <c>/dev/four-platforms</c>: the simulator's gateway (<c>POST api/dispatches</c>), its events as JSON (<c>GET api/events</c>),
/// a page that lists them with buttons, and the pushes back (<c>POST events/{eventId}/push</c>). Mapped in Development only.
/// </summary>
public static class SimulatorEndpoints
{
    public const string Prefix = "/dev/four-platforms";

    public static readonly (string Stage, string Label)[] Stages =
    [
        ("town_received", "镇街已接收"), ("passed_to_district", "流转区县"), ("district_received", "区县已接收"), ("assigned", "已交办"), ("handling", "处置中"),
    ];

    public static IEndpointRouteBuilder MapFourPlatformsSimulator(this IEndpointRouteBuilder app, IWebHostEnvironment env, IOptions<GridOptions> options)
    {
        if (!env.IsDevelopment() || !options.Value.Simulator) return app;
        var sim = app.MapGroup(Prefix).ExcludeFromDescription();
        sim.MapPost("/api/dispatches", async (HttpRequest request, FourPlatformsSimulator s) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var (status, answer) = s.Receive(request.Headers[GridGateway.IdempotencyHeader].FirstOrDefault(), await reader.ReadToEndAsync());
            return Results.Json(answer, statusCode: status);
        });
        sim.MapGet("/api/events", (FourPlatformsSimulator s) => Results.Json(s.Events.Select(e => new
        {
            e.EventId, e.DispatchId, e.ClueNumber, e.School, e.Item, e.ReceivedAt, pushes = e.Pushes.ToList(),
        })));
        sim.MapPost("/mode/{mode}", (string mode, FourPlatformsSimulator s, HttpRequest request) =>
        {
            if (!Enum.TryParse<SimulatorMode>(mode, true, out var m)) return Results.BadRequest();
            s.Mode = m;
            return request.HasFormContentType ? Results.Redirect(Prefix) : Results.Json(new { mode = m.ToString() });
        });
        sim.MapPost("/events/{eventId}/push", async (string eventId, HttpRequest request, FourPlatformsSimulator s, CancellationToken ct) =>
        {
            string? kind, stage, note;
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(ct);
                (kind, stage, note) = (form["kind"], form["stage"], form["note"]);
            }
            else
            {
                var body = await request.ReadFromJsonAsync<PushRequest>(ct);
                (kind, stage, note) = (body?.Kind, body?.Stage, body?.Note);
            }
            var (status, answer) = await s.PushAsync(eventId, kind ?? "progress", stage, note, ct);
            return request.HasFormContentType ? Results.Redirect(Prefix) : Results.Text(answer, "application/json", statusCode: status);
        });
        sim.MapGet("/", (FourPlatformsSimulator s) => Results.Content(Page(s), "text/html; charset=utf-8"));
        return app;
    }

    public sealed record PushRequest(string? Kind, string? Stage, string? Note);

    private static string Page(FourPlatformsSimulator s)
    {
        static string H(string? v) => WebUtility.HtmlEncode(v ?? "");
        var sb = new StringBuilder("""
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>基层治理四平台（模拟）</title>
            <style>body{font-family:sans-serif;margin:1.5rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}form{display:inline}</style>
            </head><body><h1>基层治理四平台（模拟，仅开发环境）</h1>
            """);
        sb.Append("<p>网关状态：<strong>").Append(s.Mode switch { SimulatorMode.Accept => "正常受理", SimulatorMode.Refuse => "拒收", _ => "故障" }).Append("</strong> ");
        foreach (var (m, label) in new[] { ("accept", "正常受理"), ("refuse", "拒收"), ("down", "故障") })
            sb.Append($"<form method=post action=\"{Prefix}/mode/{m}\"><button>{label}</button></form> ");
        sb.Append("</p><table><tr><th>事件编号</th><th>线索编号</th><th>学校 · 类别</th><th>描述</th><th>推送</th><th>操作</th></tr>");
        foreach (var e in s.Events)
        {
            sb.Append($"<tr><td>{H(e.EventId)}</td><td>{H(e.ClueNumber)}</td><td>{H(e.School)} · {H(e.Item)}</td><td>{H(e.Description)}</td><td>");
            lock (e.Pushes) foreach (var p in e.Pushes) sb.Append(H(p)).Append("<br>");
            sb.Append("</td><td>");
            foreach (var (stage, label) in Stages)
                sb.Append($"<form method=post action=\"{Prefix}/events/{H(e.EventId)}/push\"><input type=hidden name=kind value=progress><input type=hidden name=stage value={stage}><button>{label}</button></form> ");
            sb.Append($"<form method=post action=\"{Prefix}/events/{H(e.EventId)}/push\"><input type=hidden name=kind value=result><input name=note value=\"已处置完毕\" aria-label=\"处置结果\"><button>反馈结果</button></form>");
            sb.Append("</td></tr>");
        }
        return sb.Append("</table></body></html>").ToString();
    }
}
