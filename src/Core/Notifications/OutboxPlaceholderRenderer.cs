using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.Notifications;

/// <summary>
/// Renders the clue topics of <see cref="OutboxTopics"/> with placeholder texts until issue 4 brings the card
/// composer and clue reads: it resolves our user and school ids to DingTalk ids and sends a short notice or a
/// minimal card. Card refreshes are closed with a note, because the delivered copies are not tracked yet.
/// <c>grid.dispatch</c> is not a DingTalk call, so it is not claimed here.
/// </summary>
public sealed class OutboxPlaceholderRenderer(MySqlDataSource db, IOptions<OutboxOptions> options) : IOutboxMessageRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IReadOnlyCollection<string> Topics { get; } =
        [OutboxTopics.CardDeliver, OutboxTopics.CardUpdate, OutboxTopics.GroupNotice, OutboxTopics.UserNotice];

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        switch (message.Topic)
        {
            case OutboxTopics.CardDeliver:
            {
                var p = Read<CardDeliverPayload>(message);
                var users = await DingTalkUserIdsAsync(p.UserIds, ct);
                if (users.Count == 0) return new OutboxDelivery.Nothing("no active recipient");
                var data = new Dictionary<string, string>
                {
                    ["clueId"] = p.ClueId.ToString(),
                    ["version"] = p.Version.ToString(),
                    ["title"] = $"线索 #{p.ClueId}",
                    ["reason"] = p.Reason,
                };
                return new OutboxDelivery.Card(new CardDelivery(
                    options.Value.CardTemplateId, $"clue-{p.ClueId}-o{message.Id}", data, null, users));
            }
            case OutboxTopics.CardUpdate:
                return new OutboxDelivery.Nothing("card copies are tracked from issue 4");
            case OutboxTopics.GroupNotice:
            {
                var p = Read<GroupNoticePayload>(message);
                var cid = await GroupConversationAsync(p.SchoolId, ct);
                if (cid is null) return new OutboxDelivery.Nothing("the school's work group has no chat");
                var title = p.Kind switch { "new" => "新线索上报", "supervised" => "线索挂牌督办", "resolved" => "线索已办结", _ => "线索动态" };
                return new OutboxDelivery.GroupMessage(cid, RobotMessage.Markdown(title, $"### {title}\n\n线索 #{p.ClueId}，请在小程序中查看详情。"));
            }
            case OutboxTopics.UserNotice:
            {
                var p = Read<UserNoticePayload>(message);
                var users = await DingTalkUserIdsAsync(p.UserIds, ct);
                if (users.Count == 0) return new OutboxDelivery.Nothing("no active recipient");
                var text = p.Kind switch
                {
                    "urge" => $"催办提醒：线索 #{p.ClueId} 请尽快处理。",
                    "supervised" => $"督办通知：线索 #{p.ClueId} 已挂牌督办。",
                    "resolved" => $"您上报的线索 #{p.ClueId} 已办结。",
                    "assignee_left" => $"人员变动：线索 #{p.ClueId} 的处置人已离职，请重新指派。",
                    _ => $"线索 #{p.ClueId} 有新的动态。",
                };
                return new OutboxDelivery.UserMessages(users, RobotMessage.Text(text));
            }
            default:
                throw new OutboxDeliveryException($"no rendering for topic {message.Topic}");
        }
    }

    private static T Read<T>(OutboxEnvelope message) =>
        JsonSerializer.Deserialize<T>(message.Payload, Json) ?? throw new OutboxDeliveryException($"empty payload for {message.Topic}");

    private const string DingTalkUserIdsSql = """
        SELECT dingtalk_user_id
          FROM users
         WHERE id IN @Ids
           AND active = 1
         ORDER BY id
        """;

    private async Task<IReadOnlyList<string>> DingTalkUserIdsAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<string>(new CommandDefinition(DingTalkUserIdsSql, new { Ids = ids.Distinct().ToList() }, cancellationToken: ct))).AsList();
    }

    private const string GroupConversationSql = """
        SELECT open_conversation_id
          FROM work_groups
         WHERE school_id = @SchoolId
        """;

    private async Task<string?> GroupConversationAsync(long schoolId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(GroupConversationSql, new { SchoolId = schoolId }, cancellationToken: ct));
    }
}
