using System.Text.Json;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Grid;

namespace SchoolSafety.Core.Exchange;

/// <summary>How the exchange shows a clue and a timeline entry (the read API and the webhooks say the same). Pure.</summary>
public static class ExchangeJson
{
    public static object Clue(ExchangeClue c) => new
    {
        number = c.Number, school = c.School, town = c.Town, itemNo = c.ItemNo, item = c.Item, line = c.LineCode, description = c.Description,
        location = c.Location, latitude = c.Latitude, longitude = c.Longitude, state = c.State.ToString(), stateZh = c.State.Zh(),
        tier = c.Tier.ToString(), unit = c.Unit, supervised = c.Supervised, createdAt = GridDocument.China(c.CreatedAt),
        updatedAt = GridDocument.China(c.UpdatedAt), dueAt = GridDocument.China(c.DueAt), resolvedAt = GridDocument.China(c.ResolvedAt),
        gridEventId = c.GridEventId, photoCount = PhotoKeys(c).Count,
    };

    public static object Event(ExchangeStore.TimelineEntry e) => new
    {
        id = e.Id, action = e.Action.ToString(), actionZh = e.Action.Zh(), occurredAt = GridDocument.China(e.OccurredAt),
        fromState = e.FromState?.ToString(), toState = e.ToState.ToString(), fromUnit = e.FromUnit, toUnit = e.ToUnit, note = e.Note,
    };

    public static IReadOnlyList<string> PhotoKeys(ExchangeClue c) =>
        c.Attachments is null ? [] : JsonSerializer.Deserialize<List<string>>(c.Attachments) ?? [];
}
