namespace SchoolSafety.Core.Clues;

/// <summary>Where a clue stands (domain.md §2).</summary>
public enum ClueState
{
    PendingAcceptance,
    InProgress,
    PendingReview,
    DispatchedToGrid,
    PendingConfirmation,
    Resolved,
    Withdrawn,
}

/// <summary>What someone does to a clue. Report creates one and is not in the transition table.</summary>
public enum ClueAction
{
    Report,
    Withdraw,
    Accept,
    Reassign,
    Reroute,
    Resolve,
    Escalate,
    ProposeDispatch,
    ApproveDispatch,
    RejectDispatch,
    GridResult,
    ConfirmResult,
    RejectResult,
    Return,
    Supervise,
    Urge,
    Comment,
    Reopen,
    /// <summary>Escalate, where the head of the holding unit must approve: the clue stays while the request waits (recorded, never a button).</summary>
    RequestEscalation,
    ApproveEscalation,
    RejectEscalation,
    /// <summary>Ask the head of the holding unit for a later due time (a new date and a reason).</summary>
    RequestExtension,
    ApproveExtension,
    RejectExtension,
    /// <summary>The reporter's follow-up rating (回访) of a resolved clue.</summary>
    Rate,
    /// <summary>重办: a 不满意 rating within 7 days of the resolve reopens the clue (recorded, never a button).</summary>
    Redo,
}

/// <summary>The tier holding a clue: the school's work group, the district department, the city department.</summary>
public enum Tier
{
    WorkGroup,
    District,
    City,
    /// <summary>Dispatched to the grassroots four platforms; the dispatching unit stays on the clue and confirms the result.</summary>
    Grid,
}

/// <summary>A request awaiting the head of the holding unit.</summary>
public enum PendingRequest
{
    Dispatch,
    Escalation,
    Extension,
}

/// <summary>The reporter's follow-up rating (回访); Unrated once the rating time has passed without one.</summary>
public enum ClueRating
{
    Satisfied,
    Basic,
    Unsatisfied,
    Unrated,
}

public static class ClueStates
{
    public static bool IsOpen(this ClueState s) => s is not (ClueState.Resolved or ClueState.Withdrawn);
}
