using MySqlConnector;
using SchoolSafety.Core.Exchange;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Clues;

/// <summary>What each action does to the clue, and the notices the change causes.</summary>
public sealed partial class ClueService
{
    private sealed record Change(ClueRow? Next, IReadOnlyList<long> Recipients, ActionOutcome? Problem);

    /// <summary>The clue after the action: where it goes, who holds it, which flags it carries.</summary>
    private async Task<Change> ChangeAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow clue, ClueCommand cmd, ClueAction action, ClueState to,
        DateTime now, CancellationToken ct)
    {
        var next = clue with { State = to };
        IReadOnlyList<long> recipients = [];
        switch (action)
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
                // What belonged to the old line goes: the unit it came up from is the new line's unit one tier down,
                // the return bar is lifted, and the escalation target is worked out afresh from the new item.
                var (fromUnit, fromTier) = await EscalatedFromForLineAsync(conn, tx, clue.SchoolId, item, clue.Tier, ct);
                next = next with
                {
                    ItemNo = item.No, LineCode = item.OwnerLine, UnitId = route.UnitId, AssigneeUserId = route.AssigneeUserId,
                    Unrouted = route.UnitId is null, DispatchingUnitId = null, EscalatedFromUnitId = fromUnit, EscalatedFromTier = fromTier,
                    CityEscalationBarred = false, PendingRequest = null, RequestedByUserId = null, RequestedDueAt = null, ExtensionsAtTier = 0,
                };
                recipients = route.Recipients;
                break;

            case ClueAction.Resolve:
                next = await ResolvedAsync(next, clue.UnitId, clue.Tier, now, ct);
                recipients = await RatersAsync(conn, tx, next, ct);   // the rating ask (回访) is the clue's card with their buttons
                break;

            case ClueAction.ConfirmResult:
                // At the four platforms the dispatching unit confirms; it is the unit that resolved the clue, at its own tier.
                var dispatcher = clue.DispatchingUnitId ?? clue.UnitId;
                var level = dispatcher is { } d ? (await org.UnitAsync(conn, tx, d, ct))?.Level : null;
                next = await ResolvedAsync(next, dispatcher, level == UnitLevel.City ? Tier.City : Tier.District, now, ct);
                recipients = await RatersAsync(conn, tx, next, ct);
                break;

            case ClueAction.Withdraw:
                next = next with { Supervised = false, SupervisionDueAt = null };
                break;

            case ClueAction.Escalate:
            case ClueAction.ApproveEscalation:
                var up = ClueWorkflow.NextTier(clue.Tier)!.Value;
                var upItem = (await org.ItemAsync(conn, tx, clue.ItemNo, ct))!;
                var upUnit = await UnitAtTierAsync(conn, tx, upItem, up, ct);
                if (upUnit is null)
                    return Problem(Current(OutcomeKind.Refused, clue, "clue.no_upper_unit", "该条线没有可上报的上级单位，不能上报上级"));
                next = next with
                {
                    Tier = up, UnitId = upUnit, AssigneeUserId = null, EscalatedFromUnitId = clue.UnitId, EscalatedFromTier = clue.Tier,
                    PendingRequest = null, RequestedByUserId = null,
                };
                recipients = await org.UnitStaffAsync(conn, tx, upUnit.Value, ct);
                break;

            case ClueAction.RequestEscalation:
                next = next with { PendingRequest = PendingRequest.Escalation, RequestedByUserId = cmd.Actor.UserId, RequestedDueAt = null };
                recipients = await OtherHeadsAsync(conn, tx, clue.UnitId!.Value, cmd.Actor.UserId, ct);
                break;

            case ClueAction.RejectEscalation:
            case ClueAction.RejectExtension:
                next = next with { PendingRequest = null, RequestedByUserId = null, RequestedDueAt = null };
                break;

            case ClueAction.RequestExtension:
                if (clue.DueAt is not { } currentDue)
                    return Problem(Invalid("clue.extension_no_due", "当前环节没有办理期限，无需延期"));
                if (cmd.NewDueAt is not { } asked || DateTime.SpecifyKind(asked, DateTimeKind.Utc) <= currentDue || asked <= now)
                    return Problem(Invalid("clue.extension_due", "请选择晚于当前办理期限的新期限"));
                if (asked > now.AddDays(options.Value.MaxExtensionDays))
                    return Problem(Invalid("clue.extension_due", $"新期限不能晚于 {options.Value.MaxExtensionDays} 天以后"));
                var approvers = clue.UnitId is { } holder ? await OtherHeadsAsync(conn, tx, holder, cmd.Actor.UserId, ct) : [];
                if (approvers.Count == 0)
                    return Problem(Invalid("clue.no_other_head", "本单位没有其他负责人可以审批延期"));
                next = next with
                {
                    PendingRequest = PendingRequest.Extension, RequestedByUserId = cmd.Actor.UserId, RequestedDueAt = DateTime.SpecifyKind(asked, DateTimeKind.Utc),
                };
                recipients = approvers;
                break;

            case ClueAction.ApproveExtension:
                next = next with
                {
                    DueAt = clue.RequestedDueAt, ExtensionsAtTier = clue.ExtensionsAtTier + 1,
                    PendingRequest = null, RequestedByUserId = null, RequestedDueAt = null,
                };
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
                var reviewers = await OtherHeadsAsync(conn, tx, clue.UnitId!.Value, cmd.Actor.UserId, ct);
                if (reviewers.Count == 0)
                    return Problem(Invalid("clue.no_other_head", "本单位没有其他负责人可以审核下发四平台"));
                next = next with { DispatchingUnitId = clue.UnitId, PendingRequest = PendingRequest.Dispatch, RequestedByUserId = cmd.Actor.UserId };
                recipients = reviewers;
                break;

            case ClueAction.ApproveDispatch:
                // At the four platforms the clue stands at tier Grid; the dispatching unit stays on it and confirms the result.
                next = next with { Tier = Tier.Grid, PendingRequest = null, RequestedByUserId = null };
                break;

            case ClueAction.RejectDispatch:
                next = next with { DispatchingUnitId = null, PendingRequest = null, RequestedByUserId = null };
                recipients = clue.AssigneeUserId is { } a ? [a] : [];
                break;

            case ClueAction.GridResult:
                next = next with { GridEventId = NullIfBlank(cmd.GridEventId) ?? clue.GridEventId };
                recipients = await org.UnitStaffAsync(conn, tx, clue.DispatchingUnitId!.Value, ct);
                break;

            case ClueAction.GridAccepted:
                next = next with { GridEventId = NullIfBlank(cmd.GridEventId) ?? clue.GridEventId };
                break;

            case ClueAction.GridRefused:
                // The gateway refused it (or never answered): back in progress at the dispatching unit, at its own tier; its staff and head are told.
                var sender = clue.DispatchingUnitId ?? clue.UnitId;
                var senderLevel = sender is { } su ? (await org.UnitAsync(conn, tx, su, ct))?.Level : null;
                next = next with { Tier = senderLevel == UnitLevel.City ? Tier.City : Tier.District, UnitId = sender };
                recipients = sender is { } back2 ? await org.UnitStaffAsync(conn, tx, back2, ct) : [];
                break;

            case ClueAction.Supervise:
                if (cmd.SupervisionDueAt is not { } due || due <= now)
                    return Problem(Invalid("clue.supervision_due", "请设置晚于当前时间的督办期限"));
                next = next with { Supervised = true, SupervisionDueAt = DateTime.SpecifyKind(due, DateTimeKind.Utc) };
                break;

            case ClueAction.Rate:
                if (cmd.Rating is not (ClueRating.Satisfied or ClueRating.Basic or ClueRating.Unsatisfied))
                    return Problem(Invalid("clue.rating_required", "请选择满意、基本满意或不满意"));
                next = next with { Rating = cmd.Rating, RatedAt = now };
                break;

            case ClueAction.Reopen:
            case ClueAction.Redo:
                if (clue.ResolvedUnitId is not { } resolvedBy)
                    return Problem(Current(OutcomeKind.Refused, clue, "clue.no_resolving_unit", "该线索没有办结单位，不能重新打开"));
                next = next with
                {
                    Tier = clue.ResolvedTier ?? clue.Tier, UnitId = resolvedBy, AssigneeUserId = null, ResolvedAt = null,
                    ResolvedUnitId = null, ResolvedTier = null, DispatchingUnitId = null, RatingDueAt = null,
                    Rating = action == ClueAction.Redo ? ClueRating.Unsatisfied : null,
                    RatedAt = action == ClueAction.Redo ? now : null,
                    Redo = clue.Redo || action == ClueAction.Redo,
                };
                recipients = await org.UnitStaffAsync(conn, tx, resolvedBy, ct);
                break;
        }
        return new Change(next, recipients, null);

        static Change Problem(ActionOutcome o) => new(null, [], o);
    }

    /// <summary>Resolved by this unit at this tier: supervision ends and the reporter's rating time starts.</summary>
    private async Task<ClueRow> ResolvedAsync(ClueRow next, long? unitId, Tier tier, DateTime now, CancellationToken ct) => next with
    {
        ResolvedAt = now, ResolvedUnitId = unitId, ResolvedTier = tier, Supervised = false, SupervisionDueAt = null,
        Rating = null, RatedAt = null, RatingDueAt = await calendar.AddWorkingDaysAsync(now, options.Value.RatingWorkingDays, ct),
    };

    private async Task<IReadOnlyList<OutboxMessage>> NotificationsAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow before, ClueRow after,
        ClueCommand cmd, ClueAction action, IReadOnlyList<long> recipients, CancellationToken ct)
    {
        var id = after.Id;
        var list = new List<OutboxMessage> { new(ExchangeTopics.ClueEvent, null, new ClueEventPayload(id, after.Version, ExchangeService.Kind(action))) };
        if (after.Version != before.Version)
        {
            list.Add(new OutboxMessage(OutboxTopics.CardUpdate, CardKey(id), new ClueRefPayload(id, after.Version)));
            list.AddRange(todos.ForClue(id, after.Version));   // the to-dos follow the clue (TodoRules)
        }
        if (recipients.Count > 0)
            list.Add(new OutboxMessage(OutboxTopics.CardDeliver, CardKey(id),
                new CardDeliverPayload(id, after.Version, recipients, CodeName(action), AfterUpdate: after.Version != before.Version)));
        switch (action)
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
                // The raters were sent the card with their rating buttons above (ChangeAsync's recipients): no text notice besides.
                // No group notice: §5 asks for one on a new clue only; every copy of the card shows 已办结 and the next digest tells the chat.
                break;
            case ClueAction.ApproveExtension:
            case ClueAction.RejectExtension:
            case ClueAction.RejectEscalation:
                if (before.RequestedByUserId is { } requester)
                    list.Add(new OutboxMessage(OutboxTopics.UserNotice, null,
                        new UserNoticePayload(id, after.Version, [requester], CodeName(action), cmd.Actor.UserId)));
                break;
        }
        return list;
    }

    /// <summary>
    /// Who rates a resolved clue (回访): its reporter, or the school's co-leaders when the reporter has left. They are the
    /// recipients of the resolve's card delivery: the clue's card in their 1:1 robot chat, with 满意 / 基本满意 / 不满意 as their
    /// private buttons (the card's rating state).
    /// </summary>
    private async Task<IReadOnlyList<long>> RatersAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow clue, CancellationToken ct) =>
        await org.UserAsync(conn, tx, clue.ReporterUserId, ct) is { Active: true }
            ? [clue.ReporterUserId]
            : await org.SchoolRoleUsersAsync(conn, tx, clue.SchoolId, Role.CoLeader, ct);
}
