namespace SchoolSafety.Core.Clues;

public sealed record ClueRow
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public long SchoolId { get; init; }
    public long TownId { get; init; }
    public int ItemNo { get; init; }
    public string LineCode { get; init; } = "";
    public string Description { get; init; } = "";
    public string? Location { get; init; }
    public decimal? Latitude { get; init; }
    public decimal? Longitude { get; init; }
    public string? Attachments { get; init; }
    public long ReporterUserId { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public ClueState State { get; init; }
    public Tier Tier { get; init; }
    public long? UnitId { get; init; }
    public long? AssigneeUserId { get; init; }
    public bool Unrouted { get; init; }
    public DateTime? DueAt { get; init; }
    public long? EscalatedFromUnitId { get; init; }
    public Tier? EscalatedFromTier { get; init; }
    public bool CityEscalationBarred { get; init; }
    public long? DispatchingUnitId { get; init; }
    public string? GridEventId { get; init; }
    public bool Supervised { get; init; }
    public DateTime? SupervisionDueAt { get; init; }
    public DateTime? ResolvedAt { get; init; }
    public long? ResolvedUnitId { get; init; }
    public Tier? ResolvedTier { get; init; }
    public PendingRequest? PendingRequest { get; init; }
    public long? RequestedByUserId { get; init; }
    public DateTime? RequestedDueAt { get; init; }
    public int ExtensionsAtTier { get; init; }
    public ClueRating? Rating { get; init; }
    public DateTime? RatedAt { get; init; }
    public DateTime? RatingDueAt { get; init; }
    public bool Redo { get; init; }
    public int Version { get; init; }

    /// <summary>What the pure rules read; whether escalation has a target is worked out by the service (<see cref="ClueService.SnapshotAsync"/>).</summary>
    public ClueSnapshot Snapshot(bool hasEscalationTarget) => new(State, Tier, CityEscalationBarred, ResolvedAt)
    {
        HasEscalationTarget = hasEscalationTarget, Pending = PendingRequest, ExtensionsAtTier = ExtensionsAtTier, Rating = Rating,
        RatingDueAt = RatingDueAt,
    };
}

/// <summary>One immutable entry of a clue's timeline.</summary>
public sealed record ClueEventRow
{
    public long Id { get; init; }
    public long ClueId { get; init; }
    public ClueAction Action { get; init; }
    public long? ActorUserId { get; init; }
    public string ActorLabel { get; init; } = "";
    public DateTime OccurredAt { get; init; }
    public ClueState? FromState { get; init; }
    public ClueState ToState { get; init; }
    public long? FromUnitId { get; init; }
    public long? ToUnitId { get; init; }
    public Tier? FromTier { get; init; }
    public Tier ToTier { get; init; }
    public int Version { get; init; }
    public string? Note { get; init; }
    public string? Attachments { get; init; }
}
