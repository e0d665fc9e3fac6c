using System.Text.Json;
using System.Text.Json.Serialization;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.Cards;

/// <summary>
/// A card button click (facts §4.4): the card, the clicker's DingTalk userId, and the template's callback parameters
/// (<c>action</c>, <c>clueId</c>, <c>version</c>, and the input field <c>note</c>).
/// </summary>
public sealed record CardCallback(string OutTrackId, string? UserId, string? CorpId, IReadOnlyDictionary<string, string> Params)
{
    /// <summary>
    /// Reads the HTTP body or the Stream frame's data: <c>{"outTrackId","userId","corpId","content":"{\"cardPrivateData\":{\"params\":{…}}}"}</c>.
    /// <c>content</c> is a JSON string; a parameter that is not a string is kept as its JSON text. Null when the body is not a card callback.
    /// </summary>
    public static CardCallback? Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var outTrackId = Str(root, "outTrackId");
            if (string.IsNullOrEmpty(outTrackId)) return null;
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Str(root, "content") is { Length: > 0 } content)
            {
                using var inner = JsonDocument.Parse(content);
                if (inner.RootElement.ValueKind == JsonValueKind.Object
                    && inner.RootElement.TryGetProperty("cardPrivateData", out var data) && data.ValueKind == JsonValueKind.Object
                    && data.TryGetProperty("params", out var ps) && ps.ValueKind == JsonValueKind.Object)
                {
                    foreach (var p in ps.EnumerateObject())
                        parameters[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }
            return new CardCallback(outTrackId, Str(root, "userId"), Str(root, "corpId"), parameters);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public string? Param(string name) => Params.TryGetValue(name, out var v) ? v : null;

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// The answer to a click (facts §4.5): the HTTP response body, or the Stream ACK's <c>data.response</c>. Shared data
/// updates every copy; <see cref="UserPrivateData"/> applies to the clicker only. Both merge by key.
/// </summary>
public sealed record CardCallbackReply(
    [property: JsonPropertyName("cardData"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CardParams? CardData,
    [property: JsonPropertyName("userPrivateData"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CardParams? UserPrivateData,
    [property: JsonPropertyName("cardUpdateOptions")] CardUpdateOptions CardUpdateOptions)
{
    public static CardCallbackReply Of(IReadOnlyDictionary<string, string>? shared, IReadOnlyDictionary<string, string> clicker) =>
        new(shared is null ? null : new CardParams(shared), new CardParams(clicker), new CardUpdateOptions(true, true));
}
