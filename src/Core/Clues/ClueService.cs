using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Todos;

using SchoolSafety.Core.Photos;

namespace SchoolSafety.Core.Clues;

/// <summary>
/// The clue lifecycle's use cases. Each call is one transaction that writes the clue with a bumped
/// version, an immutable timeline event, the outbox rows the change causes, and the outcome under
/// its idempotency key; deadlocks and lock timeouts are retried.
/// </summary>
public sealed partial class ClueService(
    MySqlDataSource db,
    [FromKeyedServices(Db.UserVariables)] MySqlDataSource reportDb,
    ClueStore clues,
    OrganisationStore org,
    OutboxStore outbox,
    WorkingCalendar calendar,
    ClueNumbers numbers,
    AuditStore audit,
    PhotoUploadStore uploads,
    TodoSync todos,
    IOptions<DueTimeOptions> dueTimes,
    IOptions<ClueOptions> options,
    TimeProvider clock)
{
    public const int MaxNoteLength = 2000;
    public const int MaxDescriptionLength = 2000;
    public const int MaxAttachments = 9;
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromDays(30);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // ------------------------------------------------------------------ actions

    public Task<ActionOutcome> ApplyAsync(ClueCommand cmd, CancellationToken ct = default)
    {
        if (cmd.Action == ClueAction.Report)
            return Task.FromResult(Invalid("clue.action_unknown", "上报线索请使用上报接口"));
        if (string.IsNullOrWhiteSpace(cmd.IdempotencyKey) || cmd.IdempotencyKey.Length > 100)
            return Task.FromResult(Invalid("request.idempotency_key", "请求缺少防重复提交标识，请刷新后重试"));
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
                return Hidden;
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
        // Someone who may not see the clue learns nothing of it: not its state, number or version, not even whether
        // it exists (the same answer as for a missing clue), and nothing is kept of their attempt.
        var relation = await RelationAsync(conn, tx, clue, cmd.Actor, ct);
        if (relation != ClueRelation.GridPlatform && !CluePermissions.CanSee(relation))
            return Hidden;
        if (CluePermissions.NeedsVersion(cmd.Action))
        {
            if (cmd.Version is not { } version)
                return Invalid("clue.version_required", "页面信息不完整，请刷新后重试");
            if (version != clue.Version)
            {
                // Who changed it, and how (the latest event): the person can see the clue, so they may know.
                var latest = (await clues.EventsAsync(conn, tx, clue.Id, ct)).LastOrDefault();
                var by = latest is null ? "" : $"（{latest.ActorLabel}{latest.Action.Zh()}）";
                return Current(OutcomeKind.Conflict, clue, "clue.conflict",
                    $"线索已被他人更新{by}，当前状态：{clue.State.Zh()}，请刷新后重试");
            }
        }

        var snapshot = await SnapshotAsync(conn, tx, clue, ct);
        var action = await EffectiveActionAsync(conn, tx, clue, cmd, now, ct);
        if (CluePermissions.RatingTimeOver(relation, action, snapshot, now))
            return Current(OutcomeKind.Refused, clue, "clue.rating_closed",
                $"回访评价期限已过（办结后 {options.Value.RatingWorkingDays} 个工作日），已记为未评价");
        if (!CluePermissions.CanPerform(relation, action, snapshot, now))
            return Current(OutcomeKind.Forbidden, clue, "clue.forbidden", "无权操作");
        if (!ClueWorkflow.Allows(snapshot, action, out var to))
            return Current(OutcomeKind.Refused, clue, "clue.refused", RefusedMessage(clue, snapshot, action));
        if (RequiredNote(action, cmd) is { } noteMissing)
            return Invalid("clue.note_required", noteMissing);
        if (action == ClueAction.Urge && cmd.Actor.UserId is { } urger
            && await clues.LastActedAsync(conn, tx, clue.Id, ClueAction.Urge, urger, ct) is { } last && now - last < options.Value.UrgeInterval)
            return Current(OutcomeKind.Refused, clue, "clue.urge_too_soon",
                $"您在 {options.Value.UrgeInterval.TotalHours:0} 小时内已催办过该线索，请稍后再催办");

        var change = await ChangeAsync(conn, tx, clue, cmd, action, to, now, ct);
        if (change.Problem is { } problem) return problem;
        var next = change.Next!;

        if (action is not (ClueAction.Urge or ClueAction.Comment))
        {
            var entered = next.State != clue.State || next.UnitId != clue.UnitId || next.Tier != clue.Tier;
            if (entered && next.PendingRequest == clue.PendingRequest)
                next = next with { PendingRequest = null, RequestedByUserId = null, RequestedDueAt = null };   // a waiting request is moot once the clue moves
            next = next with
            {
                Version = clue.Version + 1,
                UpdatedAt = now,
                DueAt = entered ? await DueAsync(next.State, next.Tier, next.ItemNo, now, ct) : next.DueAt,
                ExtensionsAtTier = next.Tier != clue.Tier || next.UnitId != clue.UnitId ? 0 : next.ExtensionsAtTier,
            };
            if (await clues.UpdateAsync(conn, tx, next, clue.Version, ct) != 1)
                throw new InvalidOperationException($"Clue {clue.Id} changed under its row lock.");
        }

        await clues.AppendEventAsync(conn, tx, new ClueEventRow
        {
            ClueId = clue.Id, Action = action, ActorUserId = cmd.Actor.UserId,
            ActorLabel = cmd.Actor.UserId is { } uid ? await org.UserNameAsync(conn, tx, uid, ct) : "基层治理四平台",
            OccurredAt = now, FromState = clue.State, ToState = next.State, FromUnitId = clue.UnitId, ToUnitId = next.UnitId,
            FromTier = clue.Tier, ToTier = next.Tier, Version = next.Version, Note = EventNote(action, cmd, next),
            Attachments = cmd.Attachments.Count == 0 ? null : JsonSerializer.Serialize(cmd.Attachments),
        }, ct);
        await outbox.EnqueueAsync(conn, tx, await NotificationsAsync(conn, tx, clue, next, cmd, action, change.Recipients, ct), ct);
        if (cmd.Actor.UserId is { } actor) await uploads.AttachAsync(conn, tx, cmd.Attachments, actor, PhotoOwner.Clue(clue.Id), ct);
        return Current(OutcomeKind.Applied, next, $"clue.{CodeName(action)}", AppliedMessage(action));
    }

    /// <summary>What a press stands for here: escalate is a request where the head must approve; 不满意 in time is 重办.</summary>
    private async Task<ClueAction> EffectiveActionAsync(MySqlConnection conn, MySqlTransaction tx, ClueRow clue, ClueCommand cmd, DateTime now, CancellationToken ct)
    {
        switch (cmd.Action)
        {
            case ClueAction.Escalate when options.Value.EscalationApproval(clue.Tier) && clue.UnitId is { } unit:
                return (await OtherHeadsAsync(conn, tx, unit, cmd.Actor.UserId, ct)).Count > 0 ? ClueAction.RequestEscalation : ClueAction.Escalate;
            case ClueAction.Rate when cmd.Rating == ClueRating.Unsatisfied && clue.ResolvedAt is { } at
                                      && now - at <= TimeSpan.FromDays(CluePermissions.RedoDays):
                return ClueAction.Redo;
            default:
                return cmd.Action;
        }
    }

    /// <summary>The heads of a unit other than this person: who answers their request.</summary>
    private async Task<IReadOnlyList<long>> OtherHeadsAsync(MySqlConnection conn, MySqlTransaction tx, long unitId, long? requester, CancellationToken ct) =>
        (await org.UnitRoleUsersAsync(conn, tx, unitId, [Role.UnitHead], ct)).Where(u => u != requester).ToList();

    private static string RefusedMessage(ClueRow clue, ClueSnapshot snapshot, ClueAction action)
    {
        if (!ClueWorkflow.RequestAllows(snapshot, action) && ClueWorkflow.TryApply(clue.State, action, out _) && ClueWorkflow.TierAllows(snapshot, action))
            return action switch
            {
                ClueAction.RequestExtension when snapshot.Pending is null =>
                    $"本环节已延期 {ClueWorkflow.MaxExtensionsPerTier} 次，不能再申请延期",
                ClueAction.Rate or ClueAction.Redo => "该线索已评价",
                _ when snapshot.Pending is { } p => $"已有申请在等待审批（{p.Zh()}），请等负责人处理后再操作",
                _ => "当前没有等待审批的申请",
            };
        if (action is ClueAction.Escalate or ClueAction.RequestEscalation or ClueAction.ApproveEscalation && clue.State == ClueState.InProgress
            && !snapshot.HasEscalationTarget)
            return "该条线没有可上报的上级单位，不能上报上级";
        return $"当前状态「{clue.State.Zh()}」（{clue.Tier.Zh()}）下不能{action.Zh()}";
    }

    private static string AppliedMessage(ClueAction action) => action switch
    {
        ClueAction.RequestEscalation => "已申请上报上级，等待负责人审批",
        ClueAction.RequestExtension => "已申请延期，等待负责人审批",
        ClueAction.ProposeDispatch => "已申请下发四平台，等待负责人审核",
        ClueAction.Rate => "感谢您的评价",
        ClueAction.Redo => "已收到不满意评价，线索已退回重办",
        ClueAction.GridResult => "四平台已反馈处置结果",
        _ => $"已{action.Zh()}",
    };

    /// <summary>The outcome code's action part: <c>accept</c>, <c>request_extension</c>.</summary>
    private static string CodeName(ClueAction action) =>
        string.Concat(action.ToString().Select((ch, i) => char.IsUpper(ch) && i > 0 ? "_" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));

    /// <summary>The timeline note: the person's words, with the rating or the new due date where there is one.</summary>
    private static string? EventNote(ClueAction action, ClueCommand cmd, ClueRow next)
    {
        var note = NullIfBlank(cmd.Note);
        var prefix = action switch
        {
            ClueAction.Rate or ClueAction.Redo when cmd.Rating is { } r => r.Zh(),
            ClueAction.RequestExtension when next.RequestedDueAt is { } due => $"申请延期至 {ChinaTime.Format(due)}",
            ClueAction.ApproveExtension => $"办理期限延至 {ChinaTime.Format(next.DueAt)}",
            _ => null,
        };
        return prefix is null ? note : note is null ? prefix : $"{prefix}：{note}";
    }

    private static string? RequiredNote(ClueAction action, ClueCommand cmd) =>
        !string.IsNullOrWhiteSpace(cmd.Note) ? null
        : action == ClueAction.Rate ? (cmd.Rating == ClueRating.Unsatisfied ? "请填写不满意的原因" : null)
        : ClueActionFields.Of(action).NoteRequired;

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

    /// <summary>A missing clue and one the person may not see get the same answer, so existence cannot be probed.</summary>
    private static readonly ActionOutcome Hidden = Outcome(OutcomeKind.NotFound, "clue.not_found", "线索不存在或无权查看");

    private static ActionOutcome Outcome(OutcomeKind kind, string code, string message) => new() { Kind = kind, Code = code, Message = message };

    private static ActionOutcome Invalid(string code, string message) => Outcome(OutcomeKind.Invalid, code, message);

    private static ActionOutcome Current(OutcomeKind kind, ClueRow clue, string code, string message) => new()
    {
        Kind = kind, ClueId = clue.Id, Number = clue.Number, State = clue.State, Version = clue.Version, Code = code, Message = message,
    };
}

/// <summary>A clue as one person may read it: the clue with names, its timeline, and the actions they may take now.</summary>
public sealed record ClueDetail(ClueView View, IReadOnlyList<ClueEventRow> Events, IReadOnlyDictionary<long, string> UnitNames, IReadOnlyList<ClueAction> AvailableActions);
