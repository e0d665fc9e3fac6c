using MySqlConnector;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Organisation;

/// <summary>Who deactivated an account: an administrator's decision is never undone by a DingTalk contact event.</summary>
public enum DeactivatedBy
{
    Admin,
    DingTalk,
}

public static class DeactivatedByCodes
{
    public static string Code(this DeactivatedBy by) => by == DeactivatedBy.Admin ? "admin" : "dingtalk";
}

/// <summary>
/// Someone leaves (in DingTalk, or deactivated by an administrator): their account is deactivated and
/// each open clue assigned to them is put before the head(s) of the clue's unit, who reassign it.
/// Nothing stays open unnoticed.
/// </summary>
public sealed class StaffDeparture(OrganisationStore org, ClueStore clues, OutboxStore outbox)
{
    public const string AssigneeLeftNotice = "assignee_left";

    /// <summary>Inside the caller's transaction; returns how many clues went before a unit head.</summary>
    public async Task<int> DeactivateAsync(MySqlConnection conn, MySqlTransaction tx, long userId, DeactivatedBy by, CancellationToken ct)
    {
        await org.SetUserActiveAsync(conn, tx, userId, false, ct, by);
        var notices = new List<OutboxMessage>();
        foreach (var (clueId, unitId, version) in await clues.OpenAssignedAsync(conn, tx, userId, ct))
        {
            var heads = unitId is { } unit ? await org.UnitRoleUsersAsync(conn, tx, unit, [Role.UnitHead], ct) : [];
            if (heads.Count > 0)
                notices.Add(new OutboxMessage(OutboxTopics.UserNotice, null, new UserNoticePayload(clueId, version, heads, AssigneeLeftNotice, userId)));
        }
        await outbox.EnqueueAsync(conn, tx, notices, ct);
        return notices.Count;
    }
}
