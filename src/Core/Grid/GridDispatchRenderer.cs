using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Grid;

/// <summary>
/// Sends <c>grid.dispatch</c> rows to the four platforms' gateway. The dispatch id (the clue's number and the version
/// the approval or redo produced) is the same on every attempt, so a resend is one event there. An outage is retried by
/// the outbox with its back-off; a refusal, and an outage outlasting every attempt, go back to the dispatching unit
/// (<see cref="GridService.RefusedAsync"/>) instead of dying unseen.
/// </summary>
public sealed partial class GridDispatchRenderer(
    MySqlDataSource db,
    ClueStore clues,
    OrganisationStore org,
    GridStore grid,
    GridService service,
    GridGateway gateway,
    GridPhotoLinks photos,
    WorkingCalendar calendar,
    IOptions<GridOptions> options,
    IOptions<OutboxOptions> outbox,
    TimeProvider clock,
    ILogger<GridDispatchRenderer> logger) : IOutboxTopicRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => OutboxTopics.GridDispatch;

    public static string DispatchId(string clueNumber, int version) => $"{clueNumber}-{version.ToString(CultureInfo.InvariantCulture)}";

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<ClueRefPayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty grid.dispatch payload");
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await clues.ViewAsync(conn, p.ClueId, ct) is not { } view) return new OutboxDelivery.Nothing("the clue is gone");
        var c = view.Clue;
        if (c.State != ClueState.DispatchedToGrid) return new OutboxDelivery.Nothing($"the clue is {c.State}, no longer dispatched");
        var dispatchId = DispatchId(c.Number, p.Version);
        if (await grid.DispatchAsync(conn, dispatchId, ct) is { } decided) return new OutboxDelivery.Nothing($"dispatch {dispatchId} already {decided.State}");

        var earlier = (await grid.DispatchesOfClueAsync(conn, c.Id, ct)).LastOrDefault(d => d.EventId is not null)?.EventId;
        var unit = c.DispatchingUnitId is { } u ? await org.UnitAsync(conn, null, u, ct) : null;
        var keys = c.Attachments is null ? [] : JsonSerializer.Deserialize<List<string>>(c.Attachments) ?? [];
        var o = options.Value;
        // Asked from the approval (the clue's last change before its acceptance), so every attempt asks the same.
        var document = GridDocument.Build(new GridDispatch
        {
            DispatchId = dispatchId, ClueNumber = c.Number, School = view.SchoolName, Town = await grid.TownNameAsync(conn, c.TownId, ct) ?? "", ItemNo = c.ItemNo,
            Item = view.ItemLabel, Description = c.Description, Location = c.Location, Latitude = c.Latitude, Longitude = c.Longitude,
            Photos = keys.Select(photos.Create).ToList(), DispatchingUnit = unit?.Name ?? view.UnitName ?? "", DueAt = await calendar.AddWorkingDaysAsync(c.UpdatedAt, o.HandleDays, ct),
            DispatchedAt = clock.GetUtcNow().UtcDateTime, PreviousEventId = earlier, CallbackUrl = o.CallbackUrl ?? "",
        }, o.FieldMap, o.ExtraFields);

        return new OutboxDelivery.External("four-platforms", async sendCt =>
        {
            GatewayAnswer answer;
            try
            {
                answer = await gateway.SendAsync(dispatchId, document, sendCt);
            }
            catch (Exception e) when (!sendCt.IsCancellationRequested && outbox.Value.IsLastAttempt(message.Attempt, message.CreatedAt, clock.GetUtcNow().UtcDateTime))
            {
                // The row dies with this error (its attempts and its 72 hours are used up: an outage of hours is only
                // retried); the clue goes back to its unit, who is told, rather than waiting unseen.
                Log.GaveUp(logger, dispatchId, message.Attempt, e.Message);
                await service.RefusedAsync(c.Id, dispatchId, p.Version, message.Attempt, e.Message, failed: true, CancellationToken.None);
                throw;
            }
            switch (answer)
            {
                case GatewayAnswer.Accepted a:
                    Log.Accepted(logger, dispatchId, a.EventId, message.Attempt);
                    await service.AcceptedAsync(c.Id, dispatchId, p.Version, message.Attempt, a.EventId, CancellationToken.None);
                    break;
                case GatewayAnswer.Refused r:
                    Log.Refused(logger, dispatchId, r.Status, r.Reason);
                    await service.RefusedAsync(c.Id, dispatchId, p.Version, message.Attempt, r.Reason, failed: false, CancellationToken.None);
                    break;
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Dispatch {DispatchId} accepted by the four platforms as {EventId} (attempt {Attempt})")]
        public static partial void Accepted(ILogger logger, string dispatchId, string eventId, int attempt);

        [LoggerMessage(2, LogLevel.Warning, "Dispatch {DispatchId} refused by the four platforms (HTTP {Status}): {Reason}")]
        public static partial void Refused(ILogger logger, string dispatchId, int status, string reason);

        [LoggerMessage(3, LogLevel.Error, "Dispatch {DispatchId} not delivered after {Attempts} attempts, back to the dispatching unit: {Error}")]
        public static partial void GaveUp(ILogger logger, string dispatchId, int attempts, string error);
    }
}
