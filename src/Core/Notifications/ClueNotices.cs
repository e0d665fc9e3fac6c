using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Notifications;

/// <summary>
/// The words of the work-group chat notices and the 1:1 notices: the clue's number, school, category and unit,
/// never its description or anyone's phone (a chat is read by more people than the clue's handlers); names through
/// <see cref="ChatText"/>, so no administrator-entered name becomes markup. Pure.
/// </summary>
public static class ClueNotices
{
    public static RobotMessage Group(string kind, ClueView v, string link)
    {
        var title = kind switch { "new" => "新线索上报", "supervised" => "线索挂牌督办", "resolved" => "线索已办结", _ => "线索动态" };
        var c = v.Clue;
        var lines = new List<string>
        {
            $"### {title}",
            $"- 编号：{c.Number}",
            $"- 学校：{ChatText.Markdown(v.SchoolName)}",
            $"- 类别：{ChatText.Markdown(v.ItemLabel)}",
            $"- 状态：{c.State.Zh()}",
            $"- 责任单位：{(c.Unrouted ? "待工作组组长改派" : v.UnitName is { } unit ? ChatText.Markdown(unit) : "—")}",
        };
        if (kind == "supervised" && c.SupervisionDueAt is { } due) lines.Add($"- 督办期限：{China(due)}");
        lines.Add("");
        lines.Add($"[在小程序中查看]({link})");
        return RobotMessage.Markdown(title, string.Join('\n', lines));
    }

    public static RobotMessage User(string kind, ClueView v)
    {
        var c = v.Clue;
        var what = $"线索 {c.Number}（{ChatText.Plain(v.SchoolName)} · {ChatText.Plain(v.ItemLabel)}）";
        return RobotMessage.Text(kind switch
        {
            "urge" => $"催办提醒：{what}请尽快处理。",
            "supervised" => c.SupervisionDueAt is { } due ? $"督办通知：{what}已挂牌督办，督办期限 {China(due)}。" : $"督办通知：{what}已挂牌督办。",
            "reject_escalation" => $"{what}的上报上级申请已被驳回，请在小程序中查看驳回原因。",
            "approve_extension" => c.DueAt is { } newDue ? $"{what}的延期申请已同意，办理期限延至 {China(newDue)}。" : $"{what}的延期申请已同意。",
            "reject_extension" => $"{what}的延期申请已被驳回，请按原期限办理。",
            StaffDeparture.AssigneeLeftNotice => $"人员变动：{what}的处置人账号已停用，请重新指派。",
            _ => $"{what}有新的动态，请在小程序中查看。",
        });
    }

    private static string China(DateTime utc) => (utc + HolidayTable.ChinaOffset).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}

/// <summary>Sends <see cref="OutboxTopics.GroupNotice"/> to the school's work-group chat and <see cref="OutboxTopics.UserNotice"/> to people 1:1.</summary>
public sealed class ClueNoticeRenderer(MySqlDataSource db, ClueStore clues, OrganisationStore org, IOptions<CardOptions> links)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IReadOnlyCollection<string> Topics { get; } = [OutboxTopics.GroupNotice, OutboxTopics.UserNotice];

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        switch (message.Topic)
        {
            case OutboxTopics.GroupNotice:
            {
                var p = Read<GroupNoticePayload>(message);
                if (await clues.ViewAsync(conn, p.ClueId, ct) is not { } view) return new OutboxDelivery.Nothing("the clue is gone");
                if (await org.ConversationOfSchoolAsync(conn, p.SchoolId, ct) is not { } cid) return new OutboxDelivery.Nothing("the school's work group has no chat");
                return new OutboxDelivery.GroupMessage(cid, ClueNotices.Group(p.Kind, view, links.Value.ClueLink(p.ClueId)));
            }
            case OutboxTopics.UserNotice:
            {
                var p = Read<UserNoticePayload>(message);
                if (await clues.ViewAsync(conn, p.ClueId, ct) is not { } view) return new OutboxDelivery.Nothing("the clue is gone");
                var users = await org.ActiveDingTalkIdsAsync(conn, p.UserIds, ct);
                if (users.Count == 0) return new OutboxDelivery.Nothing("no active recipient");
                return new OutboxDelivery.UserMessages(users.Select(u => u.DingTalkUserId).ToList(), ClueNotices.User(p.Kind, view));
            }
            default:
                throw new OutboxDeliveryException($"no rendering for topic {message.Topic}");
        }
    }

    private static T Read<T>(OutboxEnvelope message) =>
        JsonSerializer.Deserialize<T>(message.Payload, Json) ?? throw new OutboxDeliveryException($"empty payload for {message.Topic}");
}
