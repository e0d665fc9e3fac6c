using System.Text;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Exchange;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>
/// Open311 GeoReport v2, read only, scoped by an exchange API key (<c>api_key</c>, or the <c>X-Api-Key</c> header):
/// <c>/open311/v2/services.{json|xml}</c>, <c>/open311/v2/requests.{json|xml}</c>, <c>/open311/v2/requests/{id}.{json|xml}</c>.
/// Errors are the spec's error lists, their descriptions in Chinese.
/// </summary>
public static class Open311Api
{
    public static IEndpointRouteBuilder MapOpen311Api(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/open311/v2").WithTags("Open311").AllowAnonymous();
        api.MapGet("/services.{format}", (string format, HttpRequest request, ExchangeService x, CancellationToken ct) =>
            WithKeyAsync(format, request, x, ct, async key =>
                Render(format, "services", "service", (await x.ServicesAsync(key, ct)).Select(GeoReport.Service))));
        api.MapGet("/requests.{format}", (string format, HttpRequest request, ExchangeService x, string? service_request_id, string? service_code,
                string? status, DateTimeOffset? start_date, DateTimeOffset? end_date, CancellationToken ct) =>
            WithKeyAsync(format, request, x, ct, async key =>
            {
                var ids = service_request_id?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return Requests(format, await x.RequestsAsync(key, ids, service_code, status, start_date, end_date, ct));
            }));
        api.MapGet("/requests/{id}.{format}", (string id, string format, HttpRequest request, ExchangeService x, CancellationToken ct) =>
            WithKeyAsync(format, request, x, ct, async key => Requests(format, await x.RequestsAsync(key, [id], null, null, null, null, ct), single: true)));
        return app;
    }

    private static IResult Requests(string format, Outcome<IReadOnlyList<ExchangeClue>> outcome, bool single = false) => outcome switch
    {
        { Failure: { } f } => Error(format, 400, f.Message),
        { Value: { Count: 0 } } when single => Error(format, 404, "线索不存在"),
        var o => Render(format, "service_requests", "request", o.Value!.Select(GeoReport.Request)),
    };

    private static async Task<IResult> WithKeyAsync(string format, HttpRequest request, ExchangeService x, CancellationToken ct, Func<ApiKeyRow, Task<IResult>> handle)
    {
        if (format is not ("json" or "xml")) return Error("json", 404, "仅支持 JSON 与 XML 格式");
        var presented = request.Query["api_key"].FirstOrDefault() ?? request.Headers[ExchangeApi.KeyHeader].FirstOrDefault();
        if (await x.AuthenticateAsync(presented, ct) is not { } key) return Error(format, 403, "接口密钥无效、已吊销或已过期");
        return await handle(key);
    }

    private static IResult Render(string format, string root, string item, IEnumerable<IReadOnlyList<(string Field, object? Value)>> rows) =>
        format == "xml"
            ? Xml(GeoReport.Xml(root, item, rows), 200)
            : Results.Text(GeoReport.Json(rows).ToJsonString(Json), "application/json; charset=utf-8", Encoding.UTF8);

    private static IResult Error(string format, int code, string description) =>
        format == "xml"
            ? Xml(GeoReport.XmlError(code, description), code)
            : Results.Text(GeoReport.JsonError(code, description).ToJsonString(Json), "application/json; charset=utf-8", Encoding.UTF8, code);

    private static IResult Xml(System.Xml.Linq.XDocument doc, int status)
    {
        using var writer = new Utf8StringWriter();
        doc.Save(writer);
        return Results.Text(writer.ToString(), "text/xml; charset=utf-8", Encoding.UTF8, status);
    }

    private static readonly System.Text.Json.JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    private sealed class Utf8StringWriter : StringWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
    }
}
