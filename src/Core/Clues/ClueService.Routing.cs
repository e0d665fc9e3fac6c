using MySqlConnector;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Clues;

/// <summary>Where a clue goes at a tier.</summary>
public sealed partial class ClueService
{
    private sealed record Route(long? UnitId, long? AssigneeUserId, IReadOnlyList<long> Recipients);

    /// <summary>
    /// Where a clue of this item goes at this tier: at the work group, the school's member(s) of the
    /// item's line (none: unrouted, to the two co-leaders); above, the line's unit of that tier.
    /// </summary>
    private async Task<Route> RouteAsync(MySqlConnection conn, MySqlTransaction? tx, long schoolId, WorklistItemRow item, Tier tier, CancellationToken ct)
    {
        if (tier == Tier.WorkGroup)
        {
            var members = await org.WorkGroupMembersAsync(conn, tx, schoolId, item.OwnerLine, ct);
            return WorkGroupRoute(members.Select(m => (m.UserId, m.UnitId)).ToList(),
                members.Count == 0 ? await org.SchoolRoleUsersAsync(conn, tx, schoolId, Role.CoLeader, ct) : []);
        }
        var unitId = await UnitAtTierAsync(conn, tx, item, tier, ct);
        return unitId is null
            ? new Route(null, null, [])
            : new Route(unitId, null, await org.UnitStaffAsync(conn, tx, unitId.Value, ct));
    }

    /// <summary>
    /// At the work group: the unit of the line's first member, assigned to them when they are its only
    /// member there; with no member of the line, unrouted, to the co-leaders.
    /// </summary>
    private static Route WorkGroupRoute(IReadOnlyList<(long UserId, long UnitId)> members, IReadOnlyList<long> coLeaders)
    {
        if (members.Count == 0) return new Route(null, null, coLeaders);
        var unit = members[0].UnitId;
        var inUnit = members.Where(m => m.UnitId == unit).Select(m => m.UserId).ToList();
        return new Route(unit, inUnit.Count == 1 ? inUnit[0] : null, inUnit);
    }

    /// <summary>
    /// The line's unit at a district or city tier; a line with none there uses the item's configured unit of that level,
    /// and at District, by default, the district task force office (the towns' own line, items 19–22).
    /// </summary>
    private async Task<long?> UnitAtTierAsync(MySqlConnection conn, MySqlTransaction? tx, WorklistItemRow item, Tier tier, CancellationToken ct)
    {
        var level = tier == Tier.City ? UnitLevel.City : UnitLevel.District;
        if (await org.UnitOfLineAsync(conn, tx, item.OwnerLine, level, ct) is { } unit) return unit;
        if (item.EscalationUnitId is { } configured && await org.UnitAsync(conn, tx, configured, ct) is { } u && u.Level == level)
            return configured;
        return tier == Tier.District ? await org.TaskForceOfficeAsync(conn, tx, ct) : null;
    }

    /// <summary>
    /// The unit a clue of this item would have come up from at this tier (for a reroute): the school's work-group
    /// unit of the line at District, the line's district unit at City, none at the work group.
    /// </summary>
    private async Task<(long? Unit, Tier? Tier)> EscalatedFromForLineAsync(MySqlConnection conn, MySqlTransaction? tx, long schoolId, WorklistItemRow item,
        Tier tier, CancellationToken ct)
    {
        long? unit = tier switch
        {
            Tier.District => (await RouteAsync(conn, tx, schoolId, item, Tier.WorkGroup, ct)).UnitId,
            Tier.City => await UnitAtTierAsync(conn, tx, item, Tier.District, ct),
            _ => null,
        };
        return unit is null ? (null, null) : (unit, tier == Tier.City ? Tier.District : Tier.WorkGroup);
    }

    /// <summary>What the pure rules read of a clue, with whether its line has somewhere to escalate to from where it stands.</summary>
    public async Task<ClueSnapshot> SnapshotAsync(MySqlConnection conn, MySqlTransaction? tx, ClueRow clue, CancellationToken ct)
    {
        var target = false;
        if (clue.State == ClueState.InProgress && ClueWorkflow.NextTier(clue.Tier) is { } up
            && await org.ItemAsync(conn, tx, clue.ItemNo, ct) is { } item)
            target = await UnitAtTierAsync(conn, tx, item, up, ct) is not null;
        return clue.Snapshot(target);
    }
}
