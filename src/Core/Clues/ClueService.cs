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
public sealed partial class ClueService(
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
            return Current(OutcomeKind.Conflict, clue, "clue.conflict",
                $"线索已被他人更新，当前状态：{clue.State.Zh()}，请刷新后重试");

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
        !string.IsNullOrWhiteSpace(cmd.Note) ? null : cmd.Action switch
        {
            ClueAction.Resolve => "请填写办结情况说明",
            ClueAction.Escalate => "请填写上报上级的原因",
            ClueAction.Return => "请填写退回原因",
            ClueAction.RejectDispatch => "请填写驳回原因",
            ClueAction.RejectResult => "请填写退回重办的原因",
            ClueAction.GridResult => "请填写四平台处置结果",
            ClueAction.Comment => "请填写备注内容",
            _ => null,
        };

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
