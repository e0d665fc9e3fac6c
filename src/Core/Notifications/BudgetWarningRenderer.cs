using System.Globalization;
using System.Text.Json;
using MySqlConnector;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Notifications;

/// <summary>Sends the DingTalk budget's warning (<see cref="OutboxTopics.BudgetWarning"/>) to the EDU admins, in one call.</summary>
public sealed class BudgetWarningRenderer(MySqlDataSource db, OrganisationStore org) : IOutboxTopicRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => OutboxTopics.BudgetWarning;

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<BudgetWarningPayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty budget warning");
        await using var conn = await db.OpenConnectionAsync(ct);
        var users = await org.ActiveDingTalkIdsAsync(conn, p.UserIds, ct);
        if (users.Count == 0) return new OutboxDelivery.Nothing("no active EDU admin");
        return new OutboxDelivery.UserMessages(users.Select(u => u.DingTalkUserId).ToList(), Text(p));
    }

    public static RobotMessage Text(BudgetWarningPayload p)
    {
        var used = p.Used.ToString("N0", CultureInfo.InvariantCulture);
        var budget = p.Budget.ToString("N0", CultureInfo.InvariantCulture);
        var percent = (100.0 * p.Used / p.Budget).ToString("0", CultureInfo.InvariantCulture);
        return RobotMessage.Text($"钉钉接口用量提醒：本月（{p.Month}）已使用 {used} 次，达到月度额度 {budget} 次的 {percent}%。" +
            "超出额度后每日简报和周报将暂停发送，待办卡片和处置消息不受影响。");
    }
}
