using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Administration;

/// <summary>A role to grant: a unit role (handler, head) names a unit, a school role (reporter) a school.</summary>
public sealed record MembershipGrant(Role Role, long UnitId, long SchoolId);

/// <summary>
/// Who may change what (domain.md §1): the Education Bureau admin everything; a department's liaison
/// only the accounts of their own department (handlers and heads of units of their line).
/// </summary>
public static class AdminPermissions
{
    /// <summary>Roles a liaison may grant in units of their line.</summary>
    public static readonly Role[] UnitRoles = [Role.Handler, Role.UnitHead];

    public static bool CanManageLine(Actor actor, string lineCode) => actor.IsEduAdmin || actor.LiaisonLines.Contains(lineCode);

    /// <summary>
    /// A unit's accounts: the admin's, or the liaison's of its line for the district department and its
    /// town-level stations — never the city department, which is another department.
    /// </summary>
    public static bool CanManageUnit(Actor actor, string lineCode, UnitLevel level) =>
        actor.IsEduAdmin || (level != UnitLevel.City && actor.LiaisonLines.Contains(lineCode));

    /// <summary>
    /// Whether the actor may change an account holding <paramref name="target"/>: the admin always; a
    /// liaison only when every one of its memberships is staff of a unit of the liaison's line.
    /// </summary>
    public static bool CanManageAccount(Actor actor, IReadOnlyList<ActorMembership> target)
    {
        if (actor.IsEduAdmin) return true;
        var lines = actor.LiaisonLines;
        return lines.Count > 0 && target.Count > 0
            && target.All(m => m.Role is Role.Handler or Role.UnitHead or Role.Liaison && m.LineCode is not null && lines.Contains(m.LineCode)
                               && m.UnitLevel != UnitLevel.City);
    }

    /// <summary>Whether the actor may grant a role (the unit's line is given for unit roles).</summary>
    public static bool CanGrant(Actor actor, MembershipGrant grant, string? unitLine, UnitLevel? unitLevel) => grant.Role switch
    {
        // Separation of duties: only the Education Bureau admin makes someone a unit head (the approver of requests).
        Role.UnitHead => actor.IsEduAdmin && unitLine is not null && unitLevel is { } headLevel && CanManageUnit(actor, unitLine, headLevel),
        Role.Handler => unitLine is not null && unitLevel is { } level && CanManageUnit(actor, unitLine, level),
        Role.Reporter => actor.IsEduAdmin,
        _ => false,
    };
}
