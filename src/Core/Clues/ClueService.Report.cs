using System.Text.Json;
using MySqlConnector;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Exchange;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Todos;

namespace SchoolSafety.Core.Clues;

/// <summary>Reporting a new clue from the mini-app form.</summary>
public sealed partial class ClueService
{
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
            new(ExchangeTopics.ClueEvent, null, new ClueEventPayload(0, 1, ExchangeService.Kind(ClueAction.Report))),
            .. todos.ForClue(0, 1).Select(m => m with { OrderingKey = TodoSync.NewClueKey }),
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
            return Invalid("request.idempotency_key", "请求缺少防重复提交标识，请刷新后重试");
        if (string.IsNullOrWhiteSpace(cmd.Description))
            return Invalid("clue.description_required", "请填写线索描述");
        if (cmd.Description.Length > MaxDescriptionLength)
            return Invalid("clue.description_too_long", $"线索描述不能超过 {MaxDescriptionLength} 字");
        if (cmd.Attachments.Count > MaxAttachments)
            return Invalid("clue.too_many_photos", $"最多上传 {MaxAttachments} 张照片");
        return null;
    }
}
