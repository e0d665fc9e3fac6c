using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Clues;

/// <summary>
/// The clue lifecycle's use cases. Each call is one transaction that writes the clue with a bumped
/// version, an immutable timeline event, the outbox rows the change causes, and the outcome under
/// its idempotency key; deadlocks and lock timeouts are retried.
/// </summary>
public sealed class ClueService(
    MySqlDataSource db,
    [FromKeyedServices(Db.UserVariables)] MySqlDataSource reportDb,
    ClueStore clues,
    OrganisationStore org,
    OutboxStore outbox,
    WorkingCalendar calendar,
    ClueNumbers numbers,
    AuditStore audit,
    IOptions<DueTimeOptions> dueTimes,
    TimeProvider clock)
{
    public const int MaxNoteLength = 2000;
    public const int MaxDescriptionLength = 2000;
    public const int MaxAttachments = 9;
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromDays(30);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // ------------------------------------------------------------------ report

    public async Task<ActionOutcome> ReportAsync(ReportCommand cmd, CancellationToken ct = default)
    {
        if (Validate(cmd) is { } invalid) return invalid;
        var scope = $"report:user:{cmd.ReporterUserId}";
        try
        {
            return await Db.RetryOnDeadlockAsync(() => ReportOnceAsync(cmd, scope, ct));
        }
        catch (MySqlException e) when (Db.IsDuplicateKey(e))
        {
            // The same key again (idempotency_keys' primary key): its transaction rolled back; answer with the first
            // outcome. Told apart by the stored outcome, not the message: MySQL 8 names the key 'idempotency_keys.PRIMARY'.
            if (await clues.FindOutcomeAsync(db, scope, cmd.IdempotencyKey, ct) is not { } prior) throw;
            return await ReplayReportAsync(prior, ct);
        }
    }

    private async Task<ActionOutcome> ReportOnceAsync(ReportCommand cmd, string scope, CancellationToken ct)
    {
        // Two round trips: who the reporter is (a plain read), then the whole write as one transaction in one
        // batch (ClueStore.InsertReportedAsync: READ COMMITTED, so its duplicate-hint read takes no shared
        // locks on rows other reports are inserting, which deadlocked under REPEATABLE READ). The batch keeps
        // the new id in a user variable, hence the data source that allows them (a subquery by number instead
        // measured ~12 % slower).
        await using var conn = await reportDb.OpenConnectionAsync(ct);
        var item = await org.CachedItemAsync(conn, null, cmd.ItemNo, ct);
        if (item is not { Hazard: true })
            return Invalid("clue.item_unknown", "请选择工作清单中的隐患类别");

        var reporter = await org.ReporterContextAsync(conn, null, cmd.ReporterUserId, item.OwnerLine, ct);
        var schools = reporter.Memberships.Where(m => m.Role is Role.Reporter or Role.CoLeader && m.SchoolId != 0)
            .DistinctBy(m => m.SchoolId).ToList();
        if (schools.Count == 0)
            return Outcome(OutcomeKind.Forbidden, "clue.not_reporter", "您不是学校的安全负责人，不能上报线索");
        var school = cmd.SchoolId is { } asked
            ? schools.FirstOrDefault(m => m.SchoolId == asked)
            : schools.Count == 1 ? schools[0] : null;
        if (school is null)
            return cmd.SchoolId is null
                ? Invalid("clue.school_required", "您在多所学校任职，请选择上报的学校")
                : Outcome(OutcomeKind.Forbidden, "clue.school_not_yours", "只能为本人所在学校上报线索");

        var members = reporter.LineMembers.Where(m => m.SchoolId == school.SchoolId).Select(m => (m.UserId, m.UnitId)).ToList();
        var route = WorkGroupRoute(members, members.Count == 0 ? await org.SchoolRoleUsersAsync(conn, null, school.SchoolId, Role.CoLeader, ct) : []);
        var now = Now();
        var row = new ClueRow
        {
            Number = await numbers.NextAsync(ChinaDate(now), ct),
            SchoolId = school.SchoolId,
            TownId = school.SchoolTownId!.Value,
            ItemNo = item.No,
            LineCode = item.OwnerLine,
            Description = cmd.Description.Trim(),
            Location = string.IsNullOrWhiteSpace(cmd.Location) ? null : cmd.Location.Trim(),
            Latitude = cmd.Latitude,
            Longitude = cmd.Longitude,
            Attachments = cmd.Attachments.Count == 0 ? null : JsonSerializer.Serialize(cmd.Attachments),
            ReporterUserId = cmd.ReporterUserId,
            CreatedAt = now,
            UpdatedAt = now,
            State = ClueState.PendingAcceptance,
            Tier = Tier.WorkGroup,
            UnitId = route.UnitId,
            AssigneeUserId = route.AssigneeUserId,
            Unrouted = route.UnitId is null,
            DueAt = await DueAsync(ClueState.PendingAcceptance, Tier.WorkGroup, item.No, now, ct),
            Version = 1,
        };
        // The notices are about a clue whose id the server assigns in the same batch: 0 and "{id}" stand for it.
        OutboxMessage[] notices =
        [
            new(OutboxTopics.CardDeliver, CardKey("{id}"), new CardDeliverPayload(0, 1, route.Recipients, route.UnitId is null ? "unrouted" : "new")),
            new(OutboxTopics.GroupNotice, null, new GroupNoticePayload(0, 1, school.SchoolId, "new")),
        ];
        var (id, duplicateOf) = await clues.InsertReportedAsync(conn, row, school.UserName, scope, cmd.IdempotencyKey, now - DuplicateWindow,
            args => outbox.EnqueueSqlForNewClue(notices, args, ClueStore.NewClueId), ct);
        return ReportedOutcome(id, row.Number, duplicateOf);
    }

    /// <summary>The first outcome of a repeated report key: the clue it created, read again.</summary>
    private async Task<ActionOutcome> ReplayReportAsync(string stored, CancellationToken ct)
    {
        var first = JsonSerializer.Deserialize<StoredReport>(stored, Json)!;
        await using var conn = await db.OpenConnectionAsync(ct);
        var clue = await clues.GetAsync(conn, null, first.ClueId, ct)
            ?? throw new InvalidOperationException($"Clue {first.ClueId} of a stored report key is gone.");
        var duplicateOf = await clues.DuplicateOfAsync(conn, clue, clue.CreatedAt - DuplicateWindow, ct);
        return ReportedOutcome(clue.Id, clue.Number, duplicateOf) with { Repeat = true };
    }

    private sealed record StoredReport(long ClueId);

    private static ActionOutcome ReportedOutcome(long id, string number, string? duplicateOf) => new()
    {
        Kind = OutcomeKind.Applied, ClueId = id, Number = number, State = ClueState.PendingAcceptance, Version = 1, DuplicateOf = duplicateOf,
        Code = "clue.reported",
        Message = duplicateOf is null
            ? $"线索已上报，编号 {number}"
            : $"线索已上报，编号 {number}。提示：本校同类线索 {duplicateOf} 仍在办理中",
    };

    private static ActionOutcome? Validate(ReportCommand cmd)
    {
        if (string.IsNullOrWhiteSpace(cmd.IdempotencyKey) || cmd.IdempotencyKey.Length > 100)
            return Invalid("request.idempotency_key", "缺少或无效的幂等键（idempotencyKey）");
        if (string.IsNullOrWhiteSpace(cmd.Description))
            return Invalid("clue.description_required", "请填写线索描述");
        if (cmd.Description.Length > MaxDescriptionLength)
            return Invalid("clue.description_too_long", $"线索描述不能超过 {MaxDescriptionLength} 字");
        if (cmd.Attachments.Count > MaxAttachments)
            return Invalid("clue.too_many_photos", $"最多上传 {MaxAttachments} 张照片");
        return null;
    }

    // ------------------------------------------------------------------ actions

    public Task<ActionOutcome> ApplyAsync(ClueCommand cmd, CancellationToken ct = default)
    {
        if (cmd.Action == ClueAction.Report)
            return Task.FromResult(Invalid("clue.action_unknown", "上报线索请使用上报接口"));
        if (string.IsNullOrWhiteSpace(cmd.IdempotencyKey) || cmd.IdempotencyKey.Length > 100)
            return Task.FromResult(Invalid("request.idempotency_key", "缺少或无效的幂等键（idempotencyKey）"));
        if (cmd.Note is { Length: > MaxNoteLength })
            return Task.FromResult(Invalid("clue.note_too_long", $"说明不能超过 {MaxNoteLength} 字"));
        if (cmd.Attachments.Count > MaxAttachments)
            return Task.FromResult(Invalid("clue.too_many_photos", $"最多上传 {MaxAttachments} 张照片"));
        var scope = $"clue:{cmd.ClueId}:{cmd.Actor.Key}";
        return Db.RetryOnDeadlockAsync(async () =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var clue = await clues.LockAsync(conn, tx, cmd.ClueId, ct);
            if (clue is null)
                return Outcome(OutcomeKind.NotFound, "clue.not_found", "线索不存在");
            // Looked up under the clue's lock, so a concurrent twin of this request sees the first one's key.
            if (await clues.FindOutcomeAsync(conn, tx, scope, cmd.IdempotencyKey, ct) is { } prior)
                return Replay(prior);

            var outcome = await DecideAsync(conn, tx, clue, cmd, ct);
            if (outcome.Kind is not (OutcomeKind.Invalid or OutcomeKind.NotFound))
                await clues.SaveOutcomeAsync(conn, tx, scope, cmd.IdempotencyKey, JsonSerializer.Serialize(outcome, Json), Now(), ct);
            await tx.CommitAsync(ct);
            return outcome;
        });
    }

    private async Task<ActionOutcome> DecideAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow clue, ClueCommand cmd, CancellationToken ct)
    {
        var now = Now();
        // Someone who may not see the clue learns nothing of it: not its state, number or version, not even through a conflict.
        var relation = await RelationAsync(conn, tx, clue, cmd.Actor, ct);
        if (relation != ClueRelation.GridPlatform && !CluePermissions.CanSee(relation))
            return Outcome(OutcomeKind.Forbidden, "clue.forbidden", "无权操作");
        if (cmd.Version != clue.Version)
        {
            // Who changed it, and how (the latest event): the person can see the clue, so they may know.
            var last = (await clues.EventsAsync(conn, tx, clue.Id, ct)).LastOrDefault();
            var by = last is null ? "" : $"（{last.ActorLabel}{last.Action.Zh()}）";
            return Current(OutcomeKind.Conflict, clue, "clue.conflict",
                $"线索已被他人更新{by}，当前状态：{clue.State.Zh()}，请刷新后重试");
        }

        if (!CluePermissions.CanPerform(relation, cmd.Action, clue.Snapshot, now))
            return Current(OutcomeKind.Forbidden, clue, "clue.forbidden", "无权操作");
        if (!ClueWorkflow.Allows(clue.Snapshot, cmd.Action, out var to))
            return Current(OutcomeKind.Refused, clue, "clue.refused",
                $"当前状态「{clue.State.Zh()}」（{clue.Tier.Zh()}）下不能{cmd.Action.Zh()}");
        if (RequiredNote(cmd) is { } noteMissing)
            return Invalid("clue.note_required", noteMissing);

        var change = await ChangeAsync(conn, tx, clue, cmd, to, now, ct);
        if (change.Problem is { } problem) return problem;
        var next = change.Next!;

        var bumps = cmd.Action is not (ClueAction.Urge or ClueAction.Comment);
        if (bumps)
        {
            var entered = next.State != clue.State || next.UnitId != clue.UnitId || next.Tier != clue.Tier;
            next = next with
            {
                Version = clue.Version + 1,
                UpdatedAt = now,
                DueAt = entered ? await DueAsync(next.State, next.Tier, next.ItemNo, now, ct) : next.DueAt,
            };
            if (await clues.UpdateAsync(conn, tx, next, clue.Version, ct) != 1)
                throw new InvalidOperationException($"Clue {clue.Id} changed under its row lock.");
        }

        await clues.AppendEventAsync(conn, tx, new ClueEventRow
        {
            ClueId = clue.Id, Action = cmd.Action, ActorUserId = cmd.Actor.UserId,
            ActorLabel = cmd.Actor.UserId is { } uid ? await org.UserNameAsync(conn, tx, uid, ct) : "基层治理四平台",
            OccurredAt = now, FromState = clue.State, ToState = next.State, FromUnitId = clue.UnitId, ToUnitId = next.UnitId,
            FromTier = clue.Tier, ToTier = next.Tier, Version = next.Version, Note = NullIfBlank(cmd.Note),
            Attachments = cmd.Attachments.Count == 0 ? null : JsonSerializer.Serialize(cmd.Attachments),
        }, ct);
        await outbox.EnqueueAsync(conn, tx, await NotificationsAsync(conn, tx, clue, next, cmd, change.Recipients, ct), ct);
        return Current(OutcomeKind.Applied, next, $"clue.{cmd.Action.ToString().ToLowerInvariant()}", $"已{cmd.Action.Zh()}");
    }

    private static string? RequiredNote(ClueCommand cmd) =>
        string.IsNullOrWhiteSpace(cmd.Note) ? ClueActionFields.Of(cmd.Action).NoteRequired : null;

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

    // ------------------------------------------------------------------ reads

    /// <summary>
    /// A clue's detail for one person: null when it does not exist or they may not see it (the two are
    /// not told apart). Every read is written to the audit log.
    /// </summary>
    public async Task<ClueDetail?> ReadAsync(long clueId, long userId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await clues.ViewAsync(conn, clueId, ct) is not { } view) return null;
        var relation = await RelationAsync(conn, null, view.Clue, ActorRef.User(userId), ct);
        if (!CluePermissions.CanSee(relation)) return null;
        var events = await clues.EventsAsync(conn, null, clueId, ct);
        var units = await org.UnitNamesAsync(conn, events.SelectMany(e => new[] { e.FromUnitId, e.ToUnitId }).OfType<long>().Distinct().ToList(), ct);
        await audit.RecordAsync(conn, null, [new AuditEntry(userId, AuditAction.ClueRead, "clue", clueId.ToString(System.Globalization.CultureInfo.InvariantCulture), view.Clue.Number)], ct);
        return new ClueDetail(view, events, units, CluePermissions.AvailableActions(relation, view.Clue.Snapshot, Now()));
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
        if (!CluePermissions.AvailableActions(relation, view.Clue.Snapshot, Now()).Contains(ClueAction.Reassign)) return null;
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

    /// <summary>How a person stands to a clue (for reads, cards and the mini-app's action list).</summary>
    public async Task<ClueRelation> RelationAsync(MySqlConnection conn, MySqlTransaction? tx, ClueRow clue, ActorRef actor, CancellationToken ct)
    {
        if (actor == ActorRef.GridPlatform) return ClueRelation.GridPlatform;
        if (actor.UserId is not { } userId) return ClueRelation.None;
        var memberships = await org.MembershipsAsync(conn, tx, userId, ct);
        if (memberships.Count == 0) return ClueRelation.None;   // unknown or deactivated
        var past = await clues.PastUnitsAsync(conn, tx, clue.Id, ct);
        return CluePermissions.RelationOf(userId, memberships, clue, past);
    }

    // ------------------------------------------------------------------ routing

    private sealed record Route(long? UnitId, long? AssigneeUserId, IReadOnlyList<long> Recipients);

    /// <summary>
    /// Where a clue of this item goes at this tier: at the work group, the school's member(s) of the
    /// item's line (none: unrouted, to the two co-leaders); above, the line's unit of that tier.
    /// </summary>
    private async Task<Route> RouteAsync(MySqlConnection conn, MySqlTransaction tx, long schoolId, WorklistItemRow item, Tier tier, CancellationToken ct)
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

    /// <summary>The line's unit at a district or city tier; a line with none there uses the item's configured unit of that level.</summary>
    private async Task<long?> UnitAtTierAsync(MySqlConnection conn, MySqlTransaction tx, WorklistItemRow item, Tier tier, CancellationToken ct)
    {
        var level = tier == Tier.City ? UnitLevel.City : UnitLevel.District;
        if (await org.UnitOfLineAsync(conn, tx, item.OwnerLine, level, ct) is { } unit) return unit;
        if (item.EscalationUnitId is { } configured && await org.UnitAsync(conn, tx, configured, ct) is { } u && u.Level == level)
            return configured;
        return null;
    }

    // ------------------------------------------------------------------ helpers

    private async Task<DateTime?> DueAsync(ClueState state, Tier tier, int itemNo, DateTime now, CancellationToken ct) =>
        dueTimes.Value.DaysFor(state, tier, itemNo) is { } days ? await calendar.AddWorkingDaysAsync(now, days, ct) : null;

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static DateOnly ChinaDate(DateTime utc) => DateOnly.FromDateTime(utc + HolidayTable.ChinaOffset);

    public static string CardKey(long clueId) => CardKey(clueId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string CardKey(string clueId) => $"clue-card:{clueId}";

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static ActionOutcome Replay(string json) =>
        JsonSerializer.Deserialize<ActionOutcome>(json, Json)! with { Repeat = true };

    private static ActionOutcome Outcome(OutcomeKind kind, string code, string message) => new() { Kind = kind, Code = code, Message = message };

    private static ActionOutcome Invalid(string code, string message) => Outcome(OutcomeKind.Invalid, code, message);

    private static ActionOutcome Current(OutcomeKind kind, ClueRow clue, string code, string message) => new()
    {
        Kind = kind, ClueId = clue.Id, Number = clue.Number, State = clue.State, Version = clue.Version, Code = code, Message = message,
    };
}

/// <summary>A clue as one person may read it: the clue with names, its timeline, and the actions they may take now.</summary>
public sealed record ClueDetail(ClueView View, IReadOnlyList<ClueEventRow> Events, IReadOnlyDictionary<long, string> UnitNames, IReadOnlyList<ClueAction> AvailableActions);
