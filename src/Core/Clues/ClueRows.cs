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
    public int Version { get; init; }

    public ClueSnapshot Snapshot => new(State, Tier, CityEscalationBarred, ResolvedAt);
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
