using System.Text.Json;
using System.Text.RegularExpressions;
using MySqlConnector;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Todos;
using SchoolSafety.Core.WorkList;

namespace SchoolSafety.Core.Guidance;

/// <summary>A finding to rectify: by the visited school (no unit) or by a unit, by a deadline.</summary>
public sealed record FindingInput(string? Description, long? AssigneeUnitId, DateOnly? Deadline);

public sealed record CreateGuidanceCommand(long SchoolId, long UnitId, GuidanceKind? Kind, DateOnly? Date, string? Summary, string? Attendees,
    IReadOnlyList<string>? PhotoIds, IReadOnlyList<FindingInput>? Findings);

public sealed record EvidenceCommand(string? Note, IReadOnlyList<string>? PhotoIds);

/// <summary>
/// Service guidance (服务指导, domain.md §3): a visit's record; each finding a rectification task for
/// the school or a unit; the assignee submits evidence, the visiting unit accepts or sends it back;
/// the record ends when every finding is closed (at once when there are none).
/// </summary>
public sealed partial class GuidanceService(MySqlDataSource db, GuidanceStore store, OrganisationStore org, OutboxStore outbox, TodoSync todos, TimeProvider clock)
{
    public const int MaxSummaryLength = 2000;
    public const int MaxAttendeesLength = 500;
    public const int MaxFindings = 50;
    public const int MaxFindingLength = 1000;
    public const int MaxPhotos = 9;
    public const int MaxReasonLength = 500;

    [GeneratedRegex("^[0-9a-f]{32}$")] private static partial Regex PhotoIdPattern();   // keys from POST /api/photos

    public async Task<Outcome<GuidanceDetail>> CreateAsync(long actorId, CreateGuidanceCommand cmd, CancellationToken ct)
    {
        if (Validate(cmd, WorkListDeadlines.ChinaToday(clock)) is { } bad) return bad;
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (!GuidancePermissions.CanCreate(actor, cmd.UnitId)) return Failure.Forbidden("只能以本单位名义填写服务指导记录");
        if (await org.SchoolAsync(conn, null, cmd.SchoolId, ct) is null) return Failure.Invalid("guidance.school_invalid", "学校不存在");
        if (!await org.UnitServesSchoolAsync(conn, cmd.UnitId, cmd.SchoolId, ct))
            return new Failure(OutcomeStatus.Forbidden, "guidance.school_not_served", "本单位不负责该学校，不能填写其服务指导记录");
        var findings = cmd.Findings!;
        foreach (var unitId in findings.Select(f => f.AssigneeUnitId).OfType<long>().Distinct())
            if (await org.UnitAsync(conn, null, unitId, ct) is null) return Failure.Invalid("guidance.assignee_invalid", "整改单位不存在");

        var id = await Db.RetryOnDeadlockAsync(async () =>
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            var state = findings.Count == 0 ? GuidanceState.Closed : GuidanceState.Open;
            var recordId = await store.InsertRecordAsync(conn, tx, cmd.SchoolId, cmd.UnitId, cmd.Kind!.Value, cmd.Date!.Value, cmd.Summary!.Trim(),
                cmd.Attendees!.Trim(), Photos(cmd.PhotoIds), actorId, state, ct);
            for (var i = 0; i < findings.Count; i++)
            {
                var f = findings[i];
                await store.InsertFindingAsync(conn, tx, recordId, i + 1, f.Description!.Trim(), f.AssigneeUnitId is null ? cmd.SchoolId : null, f.AssigneeUnitId, f.Deadline!.Value, ct);
            }
            if (findings.Count > 0)   // each assignee is told in the same transaction, and gets a to-do per finding
                await outbox.EnqueueAsync(conn, tx,
                    [.. GuidanceNotices.ForCreated(recordId, (await store.DetailAsync(conn, tx, recordId, ct))!.Findings), .. todos.ForGuidance(recordId)], ct);
            await tx.CommitAsync(ct);
            return recordId;
        });
        return (await store.DetailAsync(conn, null, id, ct))!;
    }

    public async Task<Outcome<GuidanceDetail>> DetailAsync(long actorId, long recordId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (await store.DetailAsync(conn, null, recordId, ct) is not { } detail) return RecordNotFound;
        return CanSee(actor, detail) ? detail : Failure.Forbidden("无权查看该服务指导记录");
    }

    public async Task<Outcome<IReadOnlyList<GuidanceRecordRow>>> ListAsync(long actorId, GuidanceFilter filter, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        if (actor.Memberships.Count == 0) return Failure.Forbidden();
        return Outcome.Of(await store.ListAsync(conn, actor.IsEduAdmin, actor.StaffUnits, actor.SchoolStaffSchools, filter, ct));
    }

    public Task<Outcome<GuidanceDetail>> SubmitEvidenceAsync(long actorId, long findingId, EvidenceCommand cmd, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(cmd.Note)) return Task.FromResult<Outcome<GuidanceDetail>>(Failure.Invalid("guidance.evidence_required", "请填写整改情况说明"));
        if (cmd.Note.Trim().Length > MaxFindingLength) return Task.FromResult<Outcome<GuidanceDetail>>(Failure.Invalid("guidance.evidence_too_long", $"整改情况说明不能超过 {MaxFindingLength} 个字"));
        if (PhotoIds(cmd.PhotoIds) is { } badPhotos) return Task.FromResult<Outcome<GuidanceDetail>>(badPhotos);
        return ActAsync(actorId, findingId, FindingAction.SubmitEvidence, (actor, record, f) => GuidancePermissions.CanSubmit(actor, f.AssigneeSchoolId, f.AssigneeUnitId),
            (conn, tx) => store.SubmitEvidenceAsync(conn, tx, findingId, actorId, cmd.Note.Trim(), Photos(cmd.PhotoIds), ct), ct);
    }

    public Task<Outcome<GuidanceDetail>> AcceptAsync(long actorId, long findingId, CancellationToken ct) =>
        ActAsync(actorId, findingId, FindingAction.Accept, (actor, record, _) => GuidancePermissions.CanVerify(actor, record.UnitId, record.CreatorUserId),
            (conn, tx) => store.AcceptAsync(conn, tx, findingId, actorId, ct), ct);

    public Task<Outcome<GuidanceDetail>> SendBackAsync(long actorId, long findingId, string? reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason)) return Task.FromResult<Outcome<GuidanceDetail>>(Failure.Invalid("guidance.reason_required", "退回时请说明原因"));
        if (reason.Trim().Length > MaxReasonLength) return Task.FromResult<Outcome<GuidanceDetail>>(Failure.Invalid("guidance.reason_too_long", $"退回原因不能超过 {MaxReasonLength} 个字"));
        return ActAsync(actorId, findingId, FindingAction.SendBack, (actor, record, _) => GuidancePermissions.CanVerify(actor, record.UnitId, record.CreatorUserId),
            (conn, tx) => store.SendBackAsync(conn, tx, findingId, reason.Trim(), ct), ct);
    }

    /// <summary>One finding action in one transaction under the record's lock; the record closes when its last finding does.</summary>
    private async Task<Outcome<GuidanceDetail>> ActAsync(long actorId, long findingId, FindingAction action,
        Func<Actor, GuidanceRecordRow, FindingRow, bool> allowed, Func<MySqlConnection, MySqlTransaction, Task<int>> apply, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = await org.ActorAsync(conn, actorId, ct);
        return await Db.RetryOnDeadlockAsync(async () =>
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            if (await store.RecordOfFindingAsync(conn, tx, findingId, ct) is not { } recordId) return (Outcome<GuidanceDetail>)FindingNotFound;
            await store.LockRecordAsync(conn, tx, recordId, ct);
            var detail = (await store.DetailAsync(conn, tx, recordId, ct))!;
            var finding = detail.Findings.Single(f => f.Id == findingId);
            if (!CanSee(actor, detail)) return FindingNotFound;
            if (!allowed(actor, detail.Record, finding))
                return Failure.Forbidden(action == FindingAction.SubmitEvidence ? "只有整改责任方可以提交整改情况" : "只有检查单位可以验收或退回");
            if (GuidanceWorkflow.Next(finding.State, action) is null || await apply(conn, tx) != 1)
                return Failure.Conflict("guidance.finding_state", $"该问题当前为“{finding.State.Zh()}”，不能{ActionZh(action)}");
            // Evidence tells the creator; a send-back tells the assignee again.
            if (action is FindingAction.SubmitEvidence or FindingAction.SendBack)
                await outbox.EnqueueAsync(conn, tx, [GuidanceNotices.For(recordId, findingId,
                    action == FindingAction.SubmitEvidence ? GuidanceNotices.Submitted : GuidanceNotices.Returned), .. todos.ForGuidance(recordId)], ct);
            var after = (await store.DetailAsync(conn, tx, recordId, ct))!;
            if (GuidanceWorkflow.RecordState(after.Findings.Select(f => f.State)) == GuidanceState.Closed)
                await store.CloseRecordAsync(conn, tx, recordId, ct);
            await tx.CommitAsync(ct);
            return (await store.DetailAsync(conn, null, recordId, ct))!;
        });
    }

    private static bool CanSee(Actor actor, GuidanceDetail d) =>
        GuidancePermissions.CanSee(actor, d.Record.UnitId, d.Record.SchoolId, d.Findings.Select(f => f.AssigneeUnitId));

    private static string ActionZh(FindingAction a) => a switch
    {
        FindingAction.SubmitEvidence => "提交整改情况",
        FindingAction.Accept => "验收通过",
        _ => "退回",
    };

    public static Failure? Validate(CreateGuidanceCommand cmd, DateOnly today)
    {
        if (cmd.Kind is null) return Failure.Invalid("guidance.kind_invalid", "请选择指导类型：宣传教育、业务指导或工作检查");
        if (cmd.SchoolId <= 0) return Failure.Invalid("guidance.school_invalid", "请选择学校");
        if (cmd.UnitId <= 0) return Failure.Invalid("guidance.unit_invalid", "请选择单位");
        if (cmd.Date is not { } date) return Failure.Invalid("guidance.date_required", "请填写指导日期");
        if (date > today) return Failure.Invalid("guidance.date_future", "指导日期不能晚于今天");
        if (date.Year < 2020) return Failure.Invalid("guidance.date_invalid", "指导日期不正确");
        if (string.IsNullOrWhiteSpace(cmd.Summary)) return Failure.Invalid("guidance.summary_required", "请填写指导内容");
        if (cmd.Summary.Trim().Length > MaxSummaryLength) return Failure.Invalid("guidance.summary_too_long", $"指导内容不能超过 {MaxSummaryLength} 个字");
        if (string.IsNullOrWhiteSpace(cmd.Attendees)) return Failure.Invalid("guidance.attendees_required", "请填写参加人员");
        if (cmd.Attendees.Trim().Length > MaxAttendeesLength) return Failure.Invalid("guidance.attendees_too_long", $"参加人员不能超过 {MaxAttendeesLength} 个字");
        if (PhotoIds(cmd.PhotoIds) is { } badPhotos) return badPhotos;
        if (cmd.Findings is null) return Failure.Invalid("guidance.findings_required", "请填写发现的问题（没有问题时传空列表）");
        if (cmd.Findings.Count > MaxFindings) return Failure.Invalid("guidance.too_many_findings", $"问题不能超过 {MaxFindings} 条");
        foreach (var f in cmd.Findings)
        {
            if (string.IsNullOrWhiteSpace(f.Description)) return Failure.Invalid("guidance.finding_required", "请填写问题描述");
            if (f.Description.Trim().Length > MaxFindingLength) return Failure.Invalid("guidance.finding_too_long", $"问题描述不能超过 {MaxFindingLength} 个字");
            if (f.AssigneeUnitId is <= 0) return Failure.Invalid("guidance.assignee_invalid", "整改单位不存在");
            if (f.Deadline is not { } d) return Failure.Invalid("guidance.deadline_required", "请填写整改期限");
            if (d < date) return Failure.Invalid("guidance.deadline_invalid", "整改期限不能早于指导日期");
        }
        return null;
    }

    private static Failure? PhotoIds(IReadOnlyList<string>? ids) =>
        ids is null ? null
        : ids.Count > MaxPhotos ? Failure.Invalid("guidance.too_many_photos", $"照片不能超过 {MaxPhotos} 张")
        : ids.All(i => i is not null && PhotoIdPattern().IsMatch(i)) ? null
        : Failure.Invalid("guidance.photo_invalid", "照片编号不正确");

    private static string? Photos(IReadOnlyList<string>? ids) => ids is { Count: > 0 } ? JsonSerializer.Serialize(ids) : null;

    private static readonly Failure RecordNotFound = Failure.NotFound("guidance.not_found", "服务指导记录不存在");
    private static readonly Failure FindingNotFound = Failure.NotFound("guidance.finding_not_found", "问题不存在");
}
