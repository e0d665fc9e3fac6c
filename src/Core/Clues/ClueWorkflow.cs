namespace SchoolSafety.Core.Clues;

/// <summary>What a clue's state and tier allow, as data: pure, no I/O.</summary>
public static class ClueWorkflow
{
    private const ClueState P = ClueState.PendingAcceptance, I = ClueState.InProgress, R = ClueState.PendingReview,
        G = ClueState.DispatchedToGrid, C = ClueState.PendingConfirmation, D = ClueState.Resolved, W = ClueState.Withdrawn;

    /// <summary>(from, action) → to. Actions that keep the state map to their own state.</summary>
    private static readonly Dictionary<(ClueState From, ClueAction Action), ClueState> Table = Build();

    private static Dictionary<(ClueState, ClueAction), ClueState> Build()
    {
        var t = new Dictionary<(ClueState, ClueAction), ClueState>
        {
            [(P, ClueAction.Withdraw)] = W,
            [(P, ClueAction.Accept)] = I,
            [(P, ClueAction.Reassign)] = P,
            [(I, ClueAction.Reassign)] = I,
            [(P, ClueAction.Reroute)] = P,
            [(I, ClueAction.Reroute)] = P,
            [(I, ClueAction.Resolve)] = D,
            [(I, ClueAction.Escalate)] = P,
            [(I, ClueAction.ProposeDispatch)] = R,
            [(R, ClueAction.ApproveDispatch)] = G,
            [(R, ClueAction.RejectDispatch)] = I,
            [(G, ClueAction.GridResult)] = C,
            [(G, ClueAction.GridAccepted)] = G,
            [(G, ClueAction.GridProgress)] = G,
            [(G, ClueAction.GridRefused)] = I,
            [(C, ClueAction.ConfirmResult)] = D,
            [(C, ClueAction.RejectResult)] = G,
            [(P, ClueAction.Return)] = P,
            [(I, ClueAction.Return)] = P,
            [(D, ClueAction.Reopen)] = P,
        };
        foreach (var s in Enum.GetValues<ClueState>())
        {
            t[(s, ClueAction.Comment)] = s;
            if (s.IsOpen())
            {
                t[(s, ClueAction.Urge)] = s;
                t[(s, ClueAction.Supervise)] = s;
            }
        }
        return t;
    }

    public static bool TryApply(ClueState from, ClueAction action, out ClueState to) =>
        Table.TryGetValue((from, action), out to);

    public static IEnumerable<ClueAction> AllowedFrom(ClueState from) =>
        Table.Keys.Where(k => k.From == from).Select(k => k.Action);

    /// <summary>
    /// The tier rules beside the state table: escalation goes up from WorkGroup or District only,
    /// never to City again after a return; dispatch to the four platforms is proposed at District or
    /// City; only City returns a clue.
    /// </summary>
    public static bool TierAllows(Tier tier, ClueAction action, bool cityEscalationBarred) => action switch
    {
        ClueAction.Escalate => tier == Tier.WorkGroup || (tier == Tier.District && !cityEscalationBarred),
        ClueAction.ProposeDispatch => tier is Tier.District or Tier.City,
        ClueAction.Return => tier == Tier.City,
        _ => true,
    };

    /// <summary>The state table and the tier rules together.</summary>
    public static bool Allows(ClueSnapshot clue, ClueAction action, out ClueState to) =>
        TryApply(clue.State, action, out to) && TierAllows(clue.Tier, action, clue.CityEscalationBarred);

    public static Tier? NextTier(Tier tier) => tier switch
    {
        Tier.WorkGroup => Tier.District,
        Tier.District => Tier.City,
        _ => null,
    };
}

/// <summary>The part of a clue the pure rules look at.</summary>
public sealed record ClueSnapshot(ClueState State, Tier Tier, bool CityEscalationBarred, DateTime? ResolvedAt);
