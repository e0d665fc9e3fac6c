using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Grid;

namespace SchoolSafety.Core.Exchange;

/// <summary>
/// Open311 GeoReport v2 (read): the work list's hazard rows as <c>services</c>, clues as <c>service requests</c>, with
/// every field of the spec's lists in its order (empty where we have nothing to say), our state as the extension fields
/// <c>x_state</c> / <c>x_state_zh</c>; rendered as the spec's JSON (arrays) and XML (<c>services</c>/<c>service</c>,
/// <c>service_requests</c>/<c>request</c>). Pure.
/// </summary>
public static class GeoReport
{
    public static readonly IReadOnlyList<string> ServiceFields = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"];

    public static readonly IReadOnlyList<string> RequestFields =
    [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible", "service_notice",
        "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
    ];

    public static readonly IReadOnlyList<string> Extensions = ["x_state", "x_state_zh", "x_school", "x_town"];

    public static IReadOnlyList<(string Field, object? Value)> Service(ExchangeStore.ServiceRow s) =>
    [
        ("service_code", s.No.ToString(CultureInfo.InvariantCulture)), ("service_name", s.Label), ("description", s.Duty),
        ("metadata", false), ("type", "realtime"), ("keywords", $"{s.LineCode},{s.LineName}"), ("group", s.LineName),
    ];

    /// <summary>
    /// One clue as a request. <c>media_url</c> stays empty: photos are served only through short-lived signed links to
    /// people who may see the clue (domain.md §8), never to a civic tool.
    /// </summary>
    public static IReadOnlyList<(string Field, object? Value)> Request(ExchangeClue c) =>
    [
        ("service_request_id", c.Number), ("status", c.State.IsOpen() ? "open" : "closed"), ("status_notes", c.State.Zh()),
        ("service_name", c.Item), ("service_code", c.ItemNo.ToString(CultureInfo.InvariantCulture)), ("description", c.Description),
        ("agency_responsible", c.Unit ?? ""), ("service_notice", ""), ("requested_datetime", GridDocument.China(c.CreatedAt)),
        ("updated_datetime", GridDocument.China(c.UpdatedAt)), ("expected_datetime", c.State.IsOpen() ? GridDocument.China(c.DueAt) : null),
        ("address", c.Location ?? c.School), ("address_id", ""), ("zipcode", ""), ("lat", c.Latitude), ("long", c.Longitude), ("media_url", ""),
        ("x_state", c.State.ToString()), ("x_state_zh", c.State.Zh()), ("x_school", c.School), ("x_town", c.Town),
    ];

    public static JsonArray Json(IEnumerable<IReadOnlyList<(string Field, object? Value)>> rows) =>
        new(rows.Select(r => (JsonNode)new JsonObject(r.Select(f => KeyValuePair.Create(f.Field, f.Value switch
        {
            null => null,
            bool b => (JsonNode)b,
            decimal d => d,
            var v => (JsonNode)v.ToString()!,
        })))).ToArray());

    public static XDocument Xml(string root, string item, IEnumerable<IReadOnlyList<(string Field, object? Value)>> rows) =>
        new(new XDeclaration("1.0", "utf-8", null), new XElement(root, rows.Select(r => new XElement(item, r.Select(f => new XElement(f.Field, f.Value switch
        {
            null => "",
            bool b => b ? "true" : "false",
            decimal d => d.ToString(CultureInfo.InvariantCulture),
            var v => v.ToString(),
        }))))));

    public static JsonArray JsonError(int code, string description) => new(new JsonObject { ["code"] = code, ["description"] = description });

    public static XDocument XmlError(int code, string description) =>
        new(new XDeclaration("1.0", "utf-8", null), new XElement("errors", new XElement("error", new XElement("code", code), new XElement("description", description))));
}
