using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Clues;

/// <summary>How a person stands to one clue; computed from their memberships, then judged by pure rules.</summary>
[Flags]
public enum ClueRelation
{
    None = 0,
    /// <summary>Reported this clue.</summary>
    Reporter = 1 << 0,
    /// <summary>Safety staff (reporter role) of the clue's school.</summary>
    SchoolStaff = 1 << 1,
    /// <summary>One of the two co-leaders of the school's work group.</summary>
    CoLeader = 1 << 2,
    /// <summary>Handler or head of the unit holding the clue now.</summary>
    UnitStaff = 1 << 3,
    /// <summary>The handler the clue is assigned to.</summary>
    Assignee = 1 << 4,
    /// <summary>Head of the unit holding the clue now.</summary>
    UnitHead = 1 << 5,
    /// <summary>Handler or head of the unit that dispatched the clue to the four platforms.</summary>
    DispatchingUnitStaff = 1 << 6,
    /// <summary>Liaison of the department of the clue's line.</summary>
    LineLiaison = 1 << 7,
    /// <summary>The Education Bureau's task-force office (sees and supervises everything).</summary>
    EduAdmin = 1 << 8,
    /// <summary>The four platforms, through their signed push (a system actor, not a person).</summary>
    GridPlatform = 1 << 9,
    /// <summary>Handler or head of a unit that held the clue before.</summary>
    PastUnitStaff = 1 << 10,
    /// <summary>Made the request that waits (a dispatch proposal, an escalation or an extension): never its approver.</summary>
    Requester = 1 << 11,
    /// <summary>A co-leader of the school standing in for a reporter who has left (回访).</summary>
    StandInRater = 1 << 12,
}

public static class CluePermissions
{
    public const int CoLeaderReopenDays = 7;

    /// <summary>A 不满意 rating within this many days of the resolve reopens the clue (重办).</summary>
    public const int RedoDays = 7;

    /// <summary>Who may do what (domain.md §2, column "who"), given how they stand to the clue.</summary>
    public static bool CanPerform(ClueRelation r, ClueAction action, ClueSnapshot clue, DateTime nowUtc) => action switch
    {
        ClueAction.Report => false,
        ClueAction.Withdraw => Has(r, ClueRelation.Reporter),
        ClueAction.Accept or ClueAction.Return => Has(r, ClueRelation.UnitStaff),
        ClueAction.Reassign or ClueAction.Resolve or ClueAction.Escalate or ClueAction.RequestEscalation or ClueAction.ProposeDispatch
            or ClueAction.RequestExtension => Has(r, ClueRelation.Assignee | ClueRelation.UnitHead),
        ClueAction.Reroute => Has(r, ClueRelation.CoLeader | ClueRelation.EduAdmin),
        // Separation of duties: the head of the holding unit answers a request, never the person who made it.
        ClueAction.ApproveDispatch or ClueAction.RejectDispatch or ClueAction.ApproveEscalation or ClueAction.RejectEscalation
            or ClueAction.ApproveExtension or ClueAction.RejectExtension => Has(r, ClueRelation.UnitHead) && !Has(r, ClueRelation.Requester),
        ClueAction.GridResult or ClueAction.GridAccepted or ClueAction.GridProgress or ClueAction.GridRefused => Has(r, ClueRelation.GridPlatform),
        ClueAction.ConfirmResult or ClueAction.RejectResult => Has(r, ClueRelation.DispatchingUnitStaff),
        ClueAction.Supervise => Has(r, ClueRelation.EduAdmin | ClueRelation.LineLiaison),
        ClueAction.Urge or ClueAction.Comment => CanSee(r),
        ClueAction.Reopen => Has(r, ClueRelation.EduAdmin)
            || (Has(r, ClueRelation.CoLeader) && clue.ResolvedAt is { } at && nowUtc - at <= TimeSpan.FromDays(CoLeaderReopenDays)),
        ClueAction.Rate => Has(r, ClueRelation.Reporter | ClueRelation.StandInRater) && (clue.RatingDueAt is not { } due || nowUtc <= due),
        ClueAction.Redo => CanPerform(r, ClueAction.Rate, clue, nowUtc) && clue.ResolvedAt is { } resolved && nowUtc - resolved <= TimeSpan.FromDays(RedoDays),
        _ => false,
    };

    /// <summary>The rater (回访) rates after the rating time: told so, not just refused (the card's buttons may still show).</summary>
    public static bool RatingTimeOver(ClueRelation r, ClueAction action, ClueSnapshot clue, DateTime nowUtc) =>
        action is ClueAction.Rate or ClueAction.Redo && Has(r, ClueRelation.Reporter | ClueRelation.StandInRater)
        && clue.State == ClueState.Resolved && clue.RatingDueAt is { } due && nowUtc > due;

    /// <summary>Anyone who stands in some relation to the clue may read it; nobody else.</summary>
    public static bool CanSee(ClueRelation r) => (r & ~ClueRelation.GridPlatform) != ClueRelation.None;

    /// <summary>Urge and comment change nothing a version guards: they need none (domain.md §2, "More rules").</summary>
    public static bool NeedsVersion(ClueAction a) => a is not (ClueAction.Urge or ClueAction.Comment);

    /// <summary>The actions this person may take now: the state table, the tier rules and their role together.</summary>
    public static IReadOnlyList<ClueAction> AvailableActions(ClueRelation r, ClueSnapshot clue, DateTime nowUtc) =>
        ClueWorkflow.AllowedFrom(clue.State)
            .Where(a => !ClueWorkflow.Recorded.Contains(a) && ClueWorkflow.Allows(clue, a, out _) && CanPerform(r, a, clue, nowUtc))
            .OrderBy(a => a)
            .ToList();

    /// <summary>Derives the relation from the person's memberships and the clue's units.</summary>
    public static ClueRelation RelationOf(long userId, IReadOnlyList<MembershipRow> memberships, ClueRow clue, IReadOnlySet<long> pastUnitIds,
        bool reporterLeft = false)
    {
        var r = ClueRelation.None;
        if (clue.ReporterUserId == userId) r |= ClueRelation.Reporter;
        if (clue.AssigneeUserId == userId) r |= ClueRelation.Assignee;
        if (clue.PendingRequest is not null && clue.RequestedByUserId == userId) r |= ClueRelation.Requester;
        foreach (var m in memberships)
        {
            var unitStaff = m.Role is Role.Handler or Role.UnitHead;
            switch (m.Role)
            {
                case Role.EduAdmin: r |= ClueRelation.EduAdmin; break;
                case Role.Reporter when m.SchoolId == clue.SchoolId: r |= ClueRelation.SchoolStaff; break;
                case Role.CoLeader when m.SchoolId == clue.SchoolId:
                    r |= ClueRelation.CoLeader | (reporterLeft ? ClueRelation.StandInRater : ClueRelation.None);
                    break;
                case Role.Liaison when m.UnitLineCode == clue.LineCode: r |= ClueRelation.LineLiaison; break;
            }
            if (!unitStaff) continue;
            if (m.UnitId == clue.UnitId) r |= ClueRelation.UnitStaff;
            if (m.UnitId == clue.UnitId && m.Role == Role.UnitHead) r |= ClueRelation.UnitHead;
            if (m.UnitId == clue.DispatchingUnitId) r |= ClueRelation.DispatchingUnitStaff;
            if (pastUnitIds.Contains(m.UnitId)) r |= ClueRelation.PastUnitStaff;
        }
        return r;
    }

    private static bool Has(ClueRelation r, ClueRelation any) => (r & any) != ClueRelation.None;
}
