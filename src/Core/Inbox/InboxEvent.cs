using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SchoolSafety.Core.Inbox;

/// <summary>
/// A decrypted DingTalk event (facts §1.6): its type and the key it is stored under — <c>eventId</c>, or where there is
/// none, <c>fb:</c> + SHA-256 of (EventType, CorpId, BizId, EventTime) (facts §2, the fallback key).
/// </summary>
public sealed record InboxEvent(string EventType, string Key)
{
    public const string CheckUrl = "check_url";

    /// <summary>URL checks (ours and the third-party suite variants) are answered and never stored.</summary>
    public bool IsUrlCheck => EventType is CheckUrl or "check_create_suite_url" or "check_update_suite_url";

    /// <summary>Reads the plaintext; null when it is not a JSON object with an <c>EventType</c>.</summary>
    /// <param name="headerEventId">Stream mode carries the id in the frame's headers.</param>
    public static InboxEvent? Parse(string json, string? headerEventId = null, string? headerEventType = null)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var type = Text(root, "EventType") ?? Text(root, "eventType") ?? headerEventType;
            if (string.IsNullOrWhiteSpace(type)) return null;
            var id = headerEventId ?? Text(root, "eventId") ?? Text(root, "EventId");
            if (!string.IsNullOrWhiteSpace(id) && id.Length <= 120) return new InboxEvent(type, id);
            var tuple = string.Join('\n', type, Text(root, "CorpId") ?? "", Text(root, "BizId") ?? "",
                Text(root, "EventTime") ?? Text(root, "TimeStamp") ?? "");
            return new InboxEvent(type, "fb:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tuple))));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A field as text whether DingTalk sent a string or a number.</summary>
    public static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    /// <summary>A list field (e.g. <c>UserId</c>), accepting a single string too, under any of the given spellings.</summary>
    public static IReadOnlyList<string> List(JsonElement root, params string[] names)
    {
        foreach (var name in names)
        {
            if (!root.TryGetProperty(name, out var v)) continue;
            if (v.ValueKind == JsonValueKind.String) return [v.GetString()!];
            if (v.ValueKind == JsonValueKind.Array)
                return v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText())
                    .Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        }
        return [];
    }

    public static string Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
