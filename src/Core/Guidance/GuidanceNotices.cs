using System.Globalization;
using System.Text.Json;
using MySqlConnector;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Guidance;

/// <summary>Payload of <see cref="GuidanceNotices.Topic"/>: which findings of a record, and what happened to them (ids only).</summary>
public sealed record FindingNoticePayload(long RecordId, IReadOnlyList<long> FindingIds, string Kind);

/// <summary>
/// The rectification notices (domain.md §3, issue 8 §5): to a finding's assignee when it is created or sent back, to the
/// record's creator when evidence arrives. One notice per assignee for a new record's findings. Queued in the transaction
/// of the change (<see cref="GuidanceService"/>); the words are pure (<see cref="Text"/>).
/// </summary>
public static class GuidanceNotices
{
    public const string Topic = "guidance.finding.notice";
    public const string Created = "created", Returned = "returned", Submitted = "submitted";

    /// <summary>A new record's findings, one row per assignee (the school, or each unit).</summary>
    public static IEnumerable<OutboxMessage> ForCreated(long recordId, IReadOnlyList<FindingRow> findings) =>
        findings.GroupBy(f => (f.AssigneeSchoolId, f.AssigneeUnitId))
            .Select(g => new OutboxMessage(Topic, null, new FindingNoticePayload(recordId, g.Select(f => f.Id).ToList(), Created)));

    public static OutboxMessage For(long recordId, long findingId, string kind) =>
        new(Topic, null, new FindingNoticePayload(recordId, [findingId], kind));

    public static RobotMessage Text(string kind, string schoolName, IReadOnlyList<FindingRow> findings)
    {
        static string Excerpt(string s) => s.Length <= 40 ? s : s[..40] + "…";
        static string Date(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var f = findings[0];
        return RobotMessage.Text(kind switch
        {
            Created => $"整改通知：{schoolName}的服务指导发现 {findings.Count} 个问题需要整改：" +
                string.Concat(findings.Select((x, i) => $"\n{i + 1}. {Excerpt(x.Description)}（期限 {Date(x.Deadline)}）")) +
                "\n请在小程序中提交整改情况。",
            Returned => $"整改退回：{schoolName}的问题「{Excerpt(f.Description)}」未通过验收（{f.ReturnedReason}），请重新整改并提交，期限 {Date(f.Deadline)}。",
            _ => $"整改待验收：{schoolName}的问题「{Excerpt(f.Description)}」已提交整改情况，请在小程序中验收。",
        });
    }
}

/// <summary>Sends <see cref="GuidanceNotices.Topic"/>: the assignee's staff (a unit's handlers and head, or the school's safety staff) or the creator.</summary>
public sealed class GuidanceNoticeRenderer(MySqlDataSource db, GuidanceStore store, OrganisationStore org) : IOutboxTopicRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => GuidanceNotices.Topic;

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<FindingNoticePayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty finding notice");
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await store.DetailAsync(conn, null, p.RecordId, ct) is not { } detail) return new OutboxDelivery.Nothing("the record is gone");
        var findings = detail.Findings.Where(f => p.FindingIds.Contains(f.Id)).OrderBy(f => f.Seq).ToList();
        if (findings.Count == 0) return new OutboxDelivery.Nothing("the findings are gone");
        var f = findings[0];
        IReadOnlyList<long> to = p.Kind == GuidanceNotices.Submitted ? [detail.Record.CreatorUserId]
            : f.AssigneeUnitId is { } unit ? await org.UnitStaffAsync(conn, null, unit, ct)
            : await org.SchoolRoleUsersAsync(conn, null, f.AssigneeSchoolId ?? detail.Record.SchoolId, Role.Reporter, ct);
        var users = await org.ActiveDingTalkIdsAsync(conn, to, ct);
        if (users.Count == 0) return new OutboxDelivery.Nothing("no active recipient");
        return new OutboxDelivery.UserMessages(users.Select(u => u.DingTalkUserId).ToList(), GuidanceNotices.Text(p.Kind, detail.Record.SchoolName, findings));
    }
}
