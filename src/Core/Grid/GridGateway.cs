using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace SchoolSafety.Core.Grid;

/// <summary>What the gateway made of a dispatch: accepted with its event id, or refused with a reason.</summary>
public abstract record GatewayAnswer
{
    private GatewayAnswer() { }

    public sealed record Accepted(string EventId) : GatewayAnswer;

    public sealed record Refused(int Status, string Reason) : GatewayAnswer;
}

/// <summary>The gateway could not be reached or answered nothing usable: the dispatch is retried.</summary>
public sealed class GridGatewayException(string message) : Exception(message);

/// <summary>
/// The four platforms' gateway over HTTP: one POST per dispatch, carrying our dispatch id as <c>Idempotency-Key</c> (a
/// resend is the same dispatch there, never a second event), the configured credential and our signature. 2xx (and 409,
/// "already have it") with an event id is an acceptance; 400 and 422 are a refusal; anything else, a timeout or no
/// event id is an outage and is retried.
/// </summary>
public sealed class GridGateway(IHttpClientFactory clients, IOptions<GridOptions> options, TimeProvider clock)
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public async Task<GatewayAnswer> SendAsync(string dispatchId, JsonObject document, CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Configured) throw new GridGatewayException("FourPlatforms:BaseUrl is not configured");
        var body = Encoding.UTF8.GetBytes(document.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(EnsureSlash(o.BaseUrl!)), o.DispatchPath));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(IdempotencyHeader, dispatchId);
        if (!string.IsNullOrEmpty(o.ApiKey))
            request.Headers.TryAddWithoutValidation(o.AuthHeader, string.IsNullOrEmpty(o.AuthScheme) ? o.ApiKey : $"{o.AuthScheme} {o.ApiKey}");
        if (!string.IsNullOrEmpty(o.PushSecret))
        {
            var ts = GridSignature.Timestamp(clock.GetUtcNow());
            request.Headers.TryAddWithoutValidation(GridSignature.TimestampHeader, ts);
            request.Headers.TryAddWithoutValidation(GridSignature.SignatureHeader, GridSignature.Compute(o.PushSecret, ts, body));
        }

        using var response = await clients.CreateClient(nameof(GridGateway)).SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        JsonNode? answer = null;
        try
        {
            answer = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON: judged by the status alone.
        }
        var status = (int)response.StatusCode;
        var eventId = GridDocument.Read(answer, o.EventIdField);
        if ((response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict) && !string.IsNullOrWhiteSpace(eventId))
            return new GatewayAnswer.Accepted(eventId.Trim());
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
            return new GatewayAnswer.Refused(status, GridDocument.Read(answer, o.ReasonField) is { Length: > 0 } reason ? reason : $"HTTP {status}");
        throw new GridGatewayException(response.IsSuccessStatusCode
            ? $"HTTP {status} without {o.EventIdField}"
            : $"HTTP {status} {GridDocument.Read(answer, o.ReasonField)}".TrimEnd());
    }

    private static string EnsureSlash(string url) => url.EndsWith('/') ? url : url + "/";
}
