using MySqlConnector;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Clues;

/// <summary>What each action does to the clue, and the notices the change causes.</summary>
public sealed partial class ClueService
{
    private sealed record Change(ClueRow? Next, IReadOnlyList<long> Recipients, ActionOutcome? Problem);

    /// <summary>The clue after the action: where it goes, who holds it, which flags it carries.</summary>
    private async Task<Change> ChangeAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow clue, ClueCommand cmd, ClueState to, DateTime now, CancellationToken ct)
    {
        var next = clue with { State = to };
        IReadOnlyList<long> recipients = [];
        switch (cmd.Action)
        {
            case ClueAction.Accept:
                next = next with { AssigneeUserId = cmd.Actor.UserId };
                break;

            case ClueAction.Reassign:
                var staff = await org.UnitStaffAsync(conn, tx, clue.UnitId!.Value, ct);
                if (cmd.TargetUserId is not { } target || !staff.Contains(target))
                    return Problem(Invalid("clue.reassign_target", "请选择本单位的其他处置人员"));
                if (target == clue.AssigneeUserId)
                    return Problem(Invalid("clue.reassign_same", "该线索已由此人处置"));
                next = next with { AssigneeUserId = target };
                recipients = [target];
                break;

            case ClueAction.Reroute:
                var item = cmd.TargetItemNo is { } no ? await org.ItemAsync(conn, tx, no, ct) : null;
                if (item is not { Hazard: true })
                    return Problem(Invalid("clue.item_unknown", "请选择工作清单中的隐患类别"));
                if (item.No == clue.ItemNo)
                    return Problem(Invalid("clue.reroute_same", "改派的类别与当前类别相同"));
                var route = await RouteAsync(conn, tx, clue.SchoolId, item, clue.Tier, ct);
                if (route.UnitId is null && clue.Tier != Tier.WorkGroup)
                    return Problem(Invalid("clue.reroute_no_unit", $"该类别在{clue.Tier.Zh()}没有对应的责任单位"));
                next = next with
                {
                    ItemNo = item.No, LineCode = item.OwnerLine, UnitId = route.UnitId, AssigneeUserId = route.AssigneeUserId,
                    Unrouted = route.UnitId is null, DispatchingUnitId = null,
                };
                recipients = route.Recipients;
                break;

            case ClueAction.Resolve:
            case ClueAction.ConfirmResult:
                next = next with { ResolvedAt = now, ResolvedUnitId = clue.UnitId, ResolvedTier = clue.Tier, Supervised = false, SupervisionDueAt = null };
                break;

            case ClueAction.Withdraw:
                next = next with { Supervised = false, SupervisionDueAt = null };
                break;

            case ClueAction.Escalate:
                var up = ClueWorkflow.NextTier(clue.Tier)!.Value;
                var upItem = (await org.ItemAsync(conn, tx, clue.ItemNo, ct))!;
                var upUnit = await UnitAtTierAsync(conn, tx, upItem, up, ct);
                if (upUnit is null)
                    return Problem(Current(OutcomeKind.Refused, clue, "clue.no_upper_unit", "该条线没有上级单位，不能上报上级"));
                next = next with
                {
                    Tier = up, UnitId = upUnit, AssigneeUserId = null, EscalatedFromUnitId = clue.UnitId, EscalatedFromTier = clue.Tier,
                    // A line with no city unit (the towns' own items, escalated to the district office) stops at District:
                    // the barrier keeps "escalate" off its cards and lists instead of offering a button that is always refused.
                    CityEscalationBarred = clue.CityEscalationBarred
                        || (up == Tier.District && await UnitAtTierAsync(conn, tx, upItem, Tier.City, ct) is null),
                };
                recipients = await org.UnitStaffAsync(conn, tx, upUnit.Value, ct);
                break;

            case ClueAction.Return:
                if (clue.EscalatedFromUnitId is not { } back)
                    return Problem(Current(OutcomeKind.Refused, clue, "clue.no_return_unit", "找不到上报该线索的单位，不能退回"));
                next = next with
                {
                    Tier = clue.EscalatedFromTier ?? Tier.District, UnitId = back, AssigneeUserId = null, CityEscalationBarred = true,
                };
                recipients = await org.UnitStaffAsync(conn, tx, back, ct);
                break;

            case ClueAction.ProposeDispatch:
                next = next with { DispatchingUnitId = clue.UnitId };
                recipients = await org.UnitRoleUsersAsync(conn, tx, clue.UnitId!.Value, [Role.UnitHead], ct);
                break;

            case ClueAction.RejectDispatch:
                next = next with { DispatchingUnitId = null };
                recipients = clue.AssigneeUserId is { } a ? [a] : [];
                break;

            case ClueAction.GridResult:
                next = next with { GridEventId = NullIfBlank(cmd.GridEventId) ?? clue.GridEventId };
                recipients = await org.UnitStaffAsync(conn, tx, clue.DispatchingUnitId!.Value, ct);
                break;

            case ClueAction.Supervise:
                if (cmd.SupervisionDueAt is not { } due || due <= now)
                    return Problem(Invalid("clue.supervision_due", "请设置晚于当前时间的督办期限"));
                next = next with { Supervised = true, SupervisionDueAt = DateTime.SpecifyKind(due, DateTimeKind.Utc) };
                break;

            case ClueAction.Reopen:
                if (clue.ResolvedUnitId is not { } resolvedBy)
                    return Problem(Current(OutcomeKind.Refused, clue, "clue.no_resolving_unit", "该线索没有办结单位，不能重新打开"));
                next = next with
                {
                    Tier = clue.ResolvedTier ?? clue.Tier, UnitId = resolvedBy, AssigneeUserId = null, ResolvedAt = null,
                    ResolvedUnitId = null, ResolvedTier = null, DispatchingUnitId = null,
                };
                recipients = await org.UnitStaffAsync(conn, tx, resolvedBy, ct);
                break;
        }
        return new Change(next, recipients, null);

        static Change Problem(ActionOutcome o) => new(null, [], o);
    }

    private async Task<IReadOnlyList<OutboxMessage>> NotificationsAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow before, ClueRow after,
        ClueCommand cmd, IReadOnlyList<long> recipients, CancellationToken ct)
    {
        var id = after.Id;
        var list = new List<OutboxMessage>();
        if (after.Version != before.Version)
            list.Add(new OutboxMessage(OutboxTopics.CardUpdate, CardKey(id), new ClueRefPayload(id, after.Version)));
        if (recipients.Count > 0)
            list.Add(new OutboxMessage(OutboxTopics.CardDeliver, CardKey(id),
                new CardDeliverPayload(id, after.Version, recipients, cmd.Action.ToString().ToLowerInvariant())));
        switch (cmd.Action)
        {
            case ClueAction.Urge:
                var urged = after.AssigneeUserId is { } a ? [a]
                    : after.UnitId is { } u ? await org.UnitStaffAsync(conn, tx, u, ct)
                    : await org.SchoolRoleUsersAsync(conn, tx, after.SchoolId, Role.CoLeader, ct);
                list.Add(new OutboxMessage(OutboxTopics.UserNotice, null, new UserNoticePayload(id, after.Version, urged, "urge", cmd.Actor.UserId)));
                break;
            case ClueAction.Supervise:
                var staff = after.UnitId is { } su ? await org.UnitStaffAsync(conn, tx, su, ct) : [];
                list.Add(new OutboxMessage(OutboxTopics.UserNotice, null, new UserNoticePayload(id, after.Version, staff, "supervised", cmd.Actor.UserId)));
                list.Add(new OutboxMessage(OutboxTopics.GroupNotice, null, new GroupNoticePayload(id, after.Version, after.SchoolId, "supervised")));
                break;
            case ClueAction.ApproveDispatch:
            case ClueAction.RejectResult:
                list.Add(new OutboxMessage(OutboxTopics.GridDispatch, $"grid:{id}", new ClueRefPayload(id, after.Version)));
                break;
            case ClueAction.Resolve:
            case ClueAction.ConfirmResult:
                list.Add(new OutboxMessage(OutboxTopics.UserNotice, null, new UserNoticePayload(id, after.Version, [after.ReporterUserId], "resolved", cmd.Actor.UserId)));
                list.Add(new OutboxMessage(OutboxTopics.GroupNotice, null, new GroupNoticePayload(id, after.Version, after.SchoolId, "resolved")));
                break;
        }
        return list;
    }
}
