using System.Text.Json;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Reminders;

/// <summary>Sends a person's merged reminder (<see cref="ReminderMessages.Topic"/>) as one 1:1 robot message.</summary>
public sealed class ReminderRenderer(MySqlDataSource db, ReminderStore store, OrganisationStore org, IOptions<CardOptions> links) : IOutboxTopicRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => ReminderMessages.Topic;

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<ReminderPayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty reminder payload");
        await using var conn = await db.OpenConnectionAsync(ct);
        var user = await org.ActiveDingTalkIdsAsync(conn, [p.UserId], ct);
        if (user.Count == 0) return new OutboxDelivery.Nothing("the recipient is not active");
        var views = await store.LineViewsAsync(conn, p.Items, ct);
        var lines = p.Items.Where(i => views.ContainsKey((i.Kind, i.Id))).Select(i => (i, views[(i.Kind, i.Id)])).ToList();
        if (lines.Count == 0) return new OutboxDelivery.Nothing("every subject is gone");
        return new OutboxDelivery.UserMessages([user[0].DingTalkUserId], ReminderMessages.Compose(lines, links.Value.Link("pages/todos/index")));
    }
}
