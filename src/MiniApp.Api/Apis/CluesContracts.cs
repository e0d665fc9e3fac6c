using System.Text.Json;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Photos;
using SchoolSafety.MiniApp.Api.Photos;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record ReportClueResponse(long Id, string Number, string Message, string? DuplicateOf);

public sealed record ApplyActionRequest(string? Action, int? Version, string? IdempotencyKey, string? Note, IReadOnlyList<string>? Photos,
    long? TargetUserId, int? TargetItemNo, DateTime? SupervisionDueAt, DateTime? NewDueAt = null, string? Rating = null);

public sealed record ActionResponse(long Id, string Number, string State, string StateZh, int Version, string Message, bool Repeat);

/// <summary>A page of clues; <c>Total</c> is exact up to 10,000 matches, and past that 10,000 with <c>TotalCapped</c> (the mini-app shows "超过 10000 条" and goes on paging).</summary>
public sealed record ClueListResponse(IReadOnlyList<ClueListEntry> Items, long Total, int Page, int PageSize, bool TotalCapped = false);

public sealed record ClueListEntry(long Id, string Number, long SchoolId, string School, int ItemNo, string Item, string State, string StateZh,
    string Tier, string TierZh, string? Unit, DateTime CreatedAt, DateTime? DueAt, bool Overdue, bool Supervised, bool Unrouted, int Version);

public sealed record PersonRef(long Id, string Name);

public sealed record PhotoLink(string Thumbnail, string Full);

public sealed record TimelineEntry(string Action, string ActionZh, string Actor, DateTime At, string? FromStateZh, string ToStateZh,
    string? FromUnit, string? ToUnit, string? Note, IReadOnlyList<PhotoLink> Photos);

/// <summary>An action I may take now, with what it asks for: <c>noteRequired</c> (the question, when a note is required), photos, a target person or category, a supervision deadline.</summary>
public sealed record AvailableAction(string Action, string ActionZh, string? NoteRequired = null, bool Photos = false, bool TargetUser = false,
    bool TargetItem = false, bool SupervisionDue = false, bool NewDueAt = false, bool Rating = false);

public sealed record ClueDetailResponse(long Id, string Number, long SchoolId, string School, int ItemNo, string Item, string Description,
    string? Location, decimal? Latitude, decimal? Longitude, string State, string StateZh, string Tier, string TierZh, string? Unit,
    string? Assignee, DateTime CreatedAt, DateTime? DueAt, bool Overdue, bool Supervised, DateTime? SupervisionDueAt, bool Unrouted,
    int Version, IReadOnlyList<PhotoLink> Photos, IReadOnlyList<TimelineEntry> Timeline, IReadOnlyList<AvailableAction> Actions);

public static class ClueResponses
{
    public static ClueListEntry ToEntry(this ClueSummary c, DateTime now) => new(c.Id, c.Number, c.SchoolId, c.SchoolName, c.ItemNo, c.ItemLabel,
        c.State.ToString(), c.State.Zh(), c.Tier.ToString(), c.Tier.Zh(), c.UnitName, c.CreatedAt, c.DueAt,
        c.State.IsOpen() && c.DueAt < now, c.Supervised, c.Unrouted, c.Version);

    private static AvailableAction Available(ClueAction a)
    {
        var f = ClueActionFields.Of(a);
        return new AvailableAction(a.ToString(), a.Zh(), f.NoteRequired, f.Photos, f.TargetUser, f.TargetItem, f.SupervisionDue, f.ExtensionDue, f.Rating);
    }

    /// <summary>The detail with fresh signed photo links; returns the photo keys it linked (for the audit log).</summary>
    public static (ClueDetailResponse Response, IReadOnlyList<string> LinkedPhotos) ToResponse(this ClueDetail d, PhotoLinks links, DateTime now)
    {
        var linked = new List<string>();
        IReadOnlyList<PhotoLink> Photos(string? json)
        {
            var keys = string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<string>>(json) ?? [];
            linked.AddRange(keys);
            return keys.Select(k => new PhotoLink(links.Create(k, PhotoVariant.Thumbnail), links.Create(k, PhotoVariant.Original))).ToList();
        }
        string? Unit(long? id) => id is { } u && d.UnitNames.TryGetValue(u, out var n) ? n : null;
        var c = d.View.Clue;
        var timeline = d.Events.Select(e => new TimelineEntry(e.Action.ToString(), e.Action.Zh(), e.ActorLabel, e.OccurredAt, e.FromState?.Zh(),
            e.ToState.Zh(), Unit(e.FromUnitId), Unit(e.ToUnitId), e.Note, e.Action == ClueAction.Report ? [] : Photos(e.Attachments))).ToList();
        var response = new ClueDetailResponse(c.Id, c.Number, c.SchoolId, d.View.SchoolName, c.ItemNo, d.View.ItemLabel, c.Description,
            c.Location, c.Latitude, c.Longitude, c.State.ToString(), c.State.Zh(), c.Tier.ToString(), c.Tier.Zh(), d.View.UnitName,
            d.View.AssigneeName, c.CreatedAt, c.DueAt, c.State.IsOpen() && c.DueAt < now, c.Supervised, c.SupervisionDueAt, c.Unrouted,
            c.Version, Photos(c.Attachments), timeline, d.AvailableActions.Select(Available).ToList());
        return (response, linked);
    }
}
