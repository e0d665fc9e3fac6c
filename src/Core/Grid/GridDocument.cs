using System.Globalization;
using System.Text.Json.Nodes;
using SchoolSafety.Core.Calendar;

namespace SchoolSafety.Core.Grid;

/// <summary>One dispatch in our words (docs/four-platforms.md, "Dispatch"). Times are UTC here, China time on the wire.</summary>
public sealed record GridDispatch
{
    public required string DispatchId { get; init; }
    public required string ClueNumber { get; init; }
    public required string School { get; init; }
    public required string Town { get; init; }
    public required int ItemNo { get; init; }
    public required string Item { get; init; }
    public required string Description { get; init; }
    public string? Location { get; init; }
    public decimal? Latitude { get; init; }
    public decimal? Longitude { get; init; }
    public IReadOnlyList<string> Photos { get; init; } = [];
    public required string DispatchingUnit { get; init; }
    public DateTime? DueAt { get; init; }
    public required DateTime DispatchedAt { get; init; }
    /// <summary>A redo after the dispatching unit rejected the result; names the earlier event.</summary>
    public string? PreviousEventId { get; init; }
    public required string CallbackUrl { get; init; }
}

/// <summary>
/// Our dispatch as JSON, renamed and nested by the configured field map, with the configured constant fields; and the
/// gateway's answer read back through the configured field names. Pure.
/// </summary>
public static class GridDocument
{
    /// <summary>Our field names, as <see cref="GridOptions.FieldMap"/> keys them.</summary>
    public static readonly IReadOnlyList<string> Fields =
    [
        "dispatchId", "clueNumber", "school", "town", "itemNo", "item", "description", "location", "latitude", "longitude",
        "photos", "dispatchingUnit", "dueAt", "dispatchedAt", "previousEventId", "callbackUrl",
    ];

    public static JsonObject Build(GridDispatch d, IReadOnlyDictionary<string, string> fieldMap, IReadOnlyDictionary<string, string> extra)
    {
        var ours = new (string Name, JsonNode? Value)[]
        {
            ("dispatchId", d.DispatchId), ("clueNumber", d.ClueNumber), ("school", d.School), ("town", d.Town),
            ("itemNo", d.ItemNo), ("item", d.Item), ("description", d.Description), ("location", d.Location),
            ("latitude", d.Latitude), ("longitude", d.Longitude), ("photos", new JsonArray(d.Photos.Select(p => (JsonNode)p!).ToArray())),
            ("dispatchingUnit", d.DispatchingUnit), ("dueAt", China(d.DueAt)), ("dispatchedAt", China(d.DispatchedAt)),
            ("previousEventId", d.PreviousEventId), ("callbackUrl", d.CallbackUrl),
        };
        var doc = new JsonObject();
        foreach (var (name, value) in extra) Set(doc, name, JsonValue.Create(value));
        foreach (var (name, value) in ours)
        {
            var target = fieldMap.TryGetValue(name, out var mapped) ? mapped : name;
            if (target.Length == 0) continue;
            Set(doc, target, value);
        }
        return doc;
    }

    /// <summary>The string at a dotted path of a JSON answer, or null.</summary>
    public static string? Read(JsonNode? answer, string path)
    {
        var node = answer;
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node)) return null;
        }
        return node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => null,
        };
    }

    /// <summary>"2026-12-01T10:00:00+08:00".</summary>
    public static string? China(DateTime? utc) =>
        utc is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToOffset(HolidayTable.ChinaOffset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) : null;

    private static void Set(JsonObject doc, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var o = doc;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (o[parts[i]] is not JsonObject child)
            {
                child = new JsonObject();
                o[parts[i]] = child;
            }
            o = child;
        }
        o[parts[^1]] = value;
    }
}
