using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Grid;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>What the simulated gateway does with the next dispatches: accept them, refuse them (422), or be down (503).</summary>
public enum SimulatorMode { Accept, Refuse, Down }

/// <summary>One event the simulated platforms hold.</summary>
public sealed record SimulatedEvent(string EventId, string DispatchId, string? ClueNumber, string? School, string? Item, string? Description,
    string? CallbackUrl, DateTimeOffset ReceivedAt, string Body)
{
    public List<string> Pushes { get; } = [];
}

/// <summary>
/// A stand-in for the four platforms in local runs (Development only): a gateway that accepts dispatches (one event per
/// dispatch id, however often it is sent), and pushes progress and results back, signed as the real ones must be.
/// Held in memory: a restart forgets its events.
/// </summary>
public sealed class FourPlatformsSimulator(IHttpClientFactory clients, IOptions<GridOptions> options, TimeProvider clock)
{
    public const string HttpClientName = "four-platforms-simulator";
    private readonly ConcurrentDictionary<string, SimulatedEvent> _byDispatch = new(StringComparer.Ordinal);
    private int _sequence;

    public SimulatorMode Mode { get; set; } = SimulatorMode.Accept;

    public IReadOnlyList<SimulatedEvent> Events => _byDispatch.Values.OrderBy(e => e.ReceivedAt).ToList();

    public SimulatedEvent? Find(string eventId) => _byDispatch.Values.FirstOrDefault(e => e.EventId == eventId);

    /// <summary>The gateway's side of a dispatch: (status, answer).</summary>
    public (int Status, object Answer) Receive(string? dispatchId, string body)
    {
        if (Mode == SimulatorMode.Down) return (503, new { message = "模拟：四平台网关维护中" });
        if (Mode == SimulatorMode.Refuse) return (422, new { message = "模拟：事发地不在本辖区，拒收" });
        JsonNode? doc;
        try
        {
            doc = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return (400, new { message = "请求不是 JSON" });
        }
        dispatchId ??= GridDocument.Read(doc, "dispatchId");
        if (string.IsNullOrWhiteSpace(dispatchId)) return (400, new { message = "缺少 Idempotency-Key / dispatchId" });
        var e = _byDispatch.GetOrAdd(dispatchId, id => new SimulatedEvent(
            $"SIM-{clock.GetUtcNow():yyyyMMdd}-{Interlocked.Increment(ref _sequence):D5}", id,
            Find(doc, "clueNumber"), Find(doc, "school"), Find(doc, "item"), Find(doc, "description"), Find(doc, "callbackUrl"),
            clock.GetUtcNow(), body));
        return (201, new { eventId = e.EventId, data = new { eventId = e.EventId } });
    }

    /// <summary>Pushes progress or a result about an event to its callback address, signed with the shared secret.</summary>
    public async Task<(int Status, string Answer)> PushAsync(string eventId, string kind, string? stage, string? note, CancellationToken ct)
    {
        if (Find(eventId) is not { } e) return (404, "未知事件");
        var secret = options.Value.PushSecret;
        var target = e.CallbackUrl ?? options.Value.CallbackUrl;
        if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(target)) return (503, "未配置 FourPlatforms:PushSecret / CallbackUrl");
        var push = JsonSerializer.Serialize(new
        {
            pushId = $"{eventId}-P{Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture)}",
            eventId, dispatchId = e.DispatchId, clueNumber = e.ClueNumber, kind, stage, note,
            handledBy = "模拟镇街指挥室", occurredAt = clock.GetUtcNow(),
        });
        var bytes = Encoding.UTF8.GetBytes(push);
        var ts = GridSignature.Timestamp(clock.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(GridSignature.TimestampHeader, ts);
        request.Headers.TryAddWithoutValidation(GridSignature.SignatureHeader, GridSignature.Compute(secret, ts, bytes));
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        lock (e.Pushes) e.Pushes.Add($"{kind} {stage ?? ""} → {(int)response.StatusCode}");
        return ((int)response.StatusCode, answer);
    }

    /// <summary>One of our fields, wherever the configured field map put it.</summary>
    private string? Find(JsonNode? doc, string name) =>
        GridDocument.Read(doc, options.Value.FieldMap.TryGetValue(name, out var mapped) && mapped.Length > 0 ? mapped : name);
}
