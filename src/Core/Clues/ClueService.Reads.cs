using MySqlConnector;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Clues;

/// <summary>Reading clues: one detail, a list, and how a person stands to a clue.</summary>
public sealed partial class ClueService
{
    /// <summary>
    /// A clue's detail for one person: null when it does not exist or they may not see it (the two are
    /// not told apart). Every read is written to the audit log.
    /// </summary>
    public async Task<ClueDetail?> ReadAsync(long clueId, long userId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await clues.DetailAsync(conn, clueId, ct) is not { } detail) return null;
        var (view, events, units) = detail;
        // The units that have held the clue are those on its timeline (PastUnitsAsync's rows, read here with the rest).
        var past = events.SelectMany(e => new[] { e.FromUnitId, e.ToUnitId }).OfType<long>().ToHashSet();
        var relation = await RelationAsync(conn, null, view.Clue, userId, past, ct);
        if (!CluePermissions.CanSee(relation)) return null;
        await audit.RecordAsync(conn, null, [new AuditEntry(userId, AuditAction.ClueRead, "clue", clueId.ToString(System.Globalization.CultureInfo.InvariantCulture), view.Clue.Number)], ct);
        return new ClueDetail(view, events, units, CluePermissions.AvailableActions(relation, await SnapshotAsync(conn, null, view.Clue, ct), Now()));
    }

    /// <summary>
    /// Whom this person may reassign the clue to: the other active staff of the unit holding it. Null when they may not
    /// reassign it now (or may not see it: the two are not told apart).
    /// </summary>
    public async Task<IReadOnlyList<(long Id, string Name)>?> ReassignTargetsAsync(long clueId, long userId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await clues.ViewAsync(conn, clueId, ct) is not { } view || view.Clue.UnitId is not { } unit) return null;
        var relation = await RelationAsync(conn, null, view.Clue, ActorRef.User(userId), ct);
        if (!CluePermissions.AvailableActions(relation, await SnapshotAsync(conn, null, view.Clue, ct), Now()).Contains(ClueAction.Reassign)) return null;
        var staff = (await org.UnitStaffAsync(conn, null, unit, ct)).Where(id => id != view.Clue.AssigneeUserId).ToList();
        return await org.UserNamesAsync(conn, staff, ct);
    }

    /// <summary>One page of the clues a person may see, filtered.</summary>
    public async Task<(IReadOnlyList<ClueSummary> Items, long Total)> ListAsync(long userId, ClueFilter filter, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var memberships = await org.MembershipsAsync(conn, null, userId, ct);
        if (memberships.Count == 0) return ([], 0);
        return await clues.ListAsync(conn, ClueVisibility.Of(userId, memberships), filter, Now(), ct);
    }

    /// <summary>
    /// Marks as 未评价 the resolved clues (or the one given) whose reporter let the rating time pass (the Bot's hourly
    /// rating job); their rating to-dos are completed. Returns how many.
    /// </summary>
    public Task<int> ExpireRatingsAsync(long? clueId = null, CancellationToken ct = default) =>
        Db.RetryOnDeadlockAsync(async () =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var expired = await clues.ExpireRatingsAsync(conn, tx, Now(), clueId, ct);
            // The rating is no event on the timeline and keeps the version; the sync reads the clue as it is when sent.
            await outbox.EnqueueAsync(conn, tx, expired.SelectMany(id => todos.ForClue(id, 0)).ToList(), ct);
            await tx.CommitAsync(ct);
            return expired.Count;
        });

    /// <summary>How a person stands to a clue (for reads, cards and the mini-app's action list).</summary>
    public async Task<ClueRelation> RelationAsync(MySqlConnection conn, MySqlTransaction? tx, ClueRow clue, ActorRef actor, CancellationToken ct)
    {
        if (actor == ActorRef.GridPlatform) return ClueRelation.GridPlatform;
        if (actor.UserId is not { } userId) return ClueRelation.None;
        return await RelationAsync(conn, tx, clue, userId, null, ct);
    }

    /// <summary>The same, with the units that have held the clue when they are known already (null: read them).</summary>
    private async Task<ClueRelation> RelationAsync(MySqlConnection conn, MySqlTransaction? tx, ClueRow clue, long userId, IReadOnlySet<long>? pastUnits,
        CancellationToken ct)
    {
        var memberships = await org.MembershipsAsync(conn, tx, userId, ct);
        if (memberships.Count == 0) return ClueRelation.None;   // unknown or deactivated
        var past = pastUnits ?? await clues.PastUnitsAsync(conn, tx, clue.Id, ct);
        // A co-leader stands in for a reporter who has left, for the follow-up rating only.
        var reporterLeft = clue.State == ClueState.Resolved && clue.ReporterUserId != userId
            && memberships.Any(m => m.Role == Role.CoLeader && m.SchoolId == clue.SchoolId)
            && await org.UserAsync(conn, tx, clue.ReporterUserId, ct) is not { Active: true };
        return CluePermissions.RelationOf(userId, memberships, clue, past, reporterLeft);
    }

    /// <summary>The actions these people may take on the clue now, each person's own (for card buttons and the mini-app).</summary>
    public async Task<IReadOnlyDictionary<long, IReadOnlyList<ClueAction>>> ActionsForAsync(MySqlConnection conn, ClueRow clue, IEnumerable<long> userIds,
        CancellationToken ct)
    {
        var snapshot = await SnapshotAsync(conn, null, clue, ct);
        var now = Now();
        var result = new Dictionary<long, IReadOnlyList<ClueAction>>();
        foreach (var user in userIds.Distinct().Order())
            result[user] = CluePermissions.AvailableActions(await RelationAsync(conn, null, clue, ActorRef.User(user), ct), snapshot, now);
        return result;
    }
}
