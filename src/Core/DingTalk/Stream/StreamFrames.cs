using System.Text.Json;
using System.Text.Json.Serialization;

namespace SchoolSafety.Core.DingTalk.Stream;

/// <summary>A frame from the Stream gateway (facts §3.3); <see cref="Data"/> is a JSON string.</summary>
public sealed record StreamFrame
{
    [JsonPropertyName("specVersion")] public string? SpecVersion { get; init; }
    [JsonPropertyName("type")] public string Type { get; init; } = "";
    [JsonPropertyName("headers")] public Dictionary<string, string> Headers { get; init; } = [];
    [JsonPropertyName("data")] public string? Data { get; init; }

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    public string? Topic => Header("topic");
    public string? MessageId => Header("messageId");

    public static StreamFrame? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<StreamFrame>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The ACK (facts §3.4): the same messageId, a code, and a JSON string in <see cref="Data"/>.</summary>
public sealed record StreamAck(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("headers")] IReadOnlyDictionary<string, string> Headers,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("data")] string Data)
{
    public static StreamAck For(StreamFrame frame, int code, string message, string data) =>
        new(code, new Dictionary<string, string> { ["messageId"] = frame.MessageId ?? "", ["contentType"] = "application/json" }, message, data);
}

/// <summary><c>POST /v1.0/gateway/connections/open</c> (facts §3.1).</summary>
public sealed record StreamOpenRequest(
    [property: JsonPropertyName("clientId")] string ClientId,
    [property: JsonPropertyName("clientSecret")] string ClientSecret,
    [property: JsonPropertyName("subscriptions")] IReadOnlyList<StreamSubscription> Subscriptions,
    [property: JsonPropertyName("ua")] string Ua);

public sealed record StreamSubscription([property: JsonPropertyName("type")] string Type, [property: JsonPropertyName("topic")] string Topic);

public sealed record StreamOpenResponse(
    [property: JsonPropertyName("endpoint")] string? Endpoint,
    [property: JsonPropertyName("ticket")] string? Ticket);
