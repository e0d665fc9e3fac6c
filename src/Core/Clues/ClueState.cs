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
    /// <summary>The four platforms' gateway accepted a dispatch (their event id is kept on the clue).</summary>
    GridAccepted,
    /// <summary>The four platforms pushed progress (received, passed on, assigned, …); the state stays.</summary>
    GridProgress,
    /// <summary>The four platforms' gateway refused a dispatch: back to the dispatching unit, in progress.</summary>
    GridRefused,
}

/// <summary>The tier holding a clue: the school's work group, the district department, the city department.</summary>
public enum Tier
{
    WorkGroup,
    District,
    City,
}

public static class ClueStates
{
    public static bool IsOpen(this ClueState s) => s is not (ClueState.Resolved or ClueState.Withdrawn);
}
