using System.Text.Json.Serialization;

namespace SchoolSafety.Core.Clues;

/// <summary>Who acts: one of our users, or a system (the four platforms' signed push).</summary>
public sealed record ActorRef(long? UserId, string? SystemName)
{
    public static ActorRef User(long id) => new(id, null);

    public static ActorRef GridPlatform { get; } = new(null, "grid");

    [JsonIgnore] public string Key => UserId is { } id ? $"user:{id}" : $"system:{SystemName}";
}

/// <summary>An action on an existing clue, decided on <see cref="Version"/> (urge and comment need none), sent once per <see cref="IdempotencyKey"/>.</summary>
public sealed record ClueCommand
{
    public required long ClueId { get; init; }
    public required ClueAction Action { get; init; }
    public int? Version { get; init; }
    public required string IdempotencyKey { get; init; }
    public required ActorRef Actor { get; init; }
    public string? Note { get; init; }
    public IReadOnlyList<string> Attachments { get; init; } = [];
    /// <summary>Reassign: the handler of the same unit who takes it over.</summary>
    public long? TargetUserId { get; init; }
    /// <summary>Reroute: the work-list item the clue really belongs to.</summary>
    public int? TargetItemNo { get; init; }
    /// <summary>Supervise: the supervision deadline.</summary>
    public DateTime? SupervisionDueAt { get; init; }
    /// <summary>Grid result: the four platforms' event id.</summary>
    public string? GridEventId { get; init; }
    /// <summary>Request extension: the new due time asked for (UTC).</summary>
    public DateTime? NewDueAt { get; init; }
    /// <summary>Rate: 满意, 基本满意 or 不满意 (a reason is required for 不满意).</summary>
    public ClueRating? Rating { get; init; }
}

/// <summary>A new clue from the mini-app form. The school comes from the reporter's membership.</summary>
public sealed record ReportCommand
{
    public required long ReporterUserId { get; init; }
    /// <summary>Only needed when the reporter serves several schools; must be one of theirs.</summary>
    public long? SchoolId { get; init; }
    public required int ItemNo { get; init; }
    public required string Description { get; init; }
    public string? Location { get; init; }
    public decimal? Latitude { get; init; }
    public decimal? Longitude { get; init; }
    public IReadOnlyList<string> Attachments { get; init; } = [];
    public required string IdempotencyKey { get; init; }
}

public enum OutcomeKind
{
    /// <summary>The action took effect.</summary>
    Applied,
    /// <summary>Decided on an old version: someone else acted first. Nothing changed.</summary>
    Conflict,
    /// <summary>The clue's state or tier does not allow this action. Nothing changed.</summary>
    Refused,
    /// <summary>This person may not do this (无权操作). Nothing changed.</summary>
    Forbidden,
    /// <summary>The input is incomplete or wrong (e.g. a required note is empty). Nothing changed.</summary>
    Invalid,
    /// <summary>No such clue. Nothing changed.</summary>
    NotFound,
}

/// <summary>What an action came to. <see cref="Repeat"/> is true when the key was seen before and this is that first outcome again.</summary>
public sealed record ActionOutcome
{
    public required OutcomeKind Kind { get; init; }
    public long ClueId { get; init; }
    public string? Number { get; init; }
    public ClueState? State { get; init; }
    public int? Version { get; init; }
    /// <summary>For people, in Chinese.</summary>
    public required string Message { get; init; }
    /// <summary>A stable machine code, e.g. <c>clue.conflict</c>.</summary>
    public required string Code { get; init; }
    public bool Repeat { get; init; }
    /// <summary>Report: the number of an open clue of the same school and item from the last 30 days.</summary>
    public string? DuplicateOf { get; init; }

    public bool Succeeded => Kind == OutcomeKind.Applied;
}
