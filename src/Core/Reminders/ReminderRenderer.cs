using System.Text.Json;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Reminders;

/// <summary>Sends a merged reminder (<see cref="ReminderMessages.Topic"/>) as one 1:1 robot message to its people (one call).</summary>
public sealed class ReminderRenderer(MySqlDataSource db, ReminderStore store, OrganisationStore org, IOptions<CardOptions> links) : IOutboxTopicRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Topic => ReminderMessages.Topic;

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = JsonSerializer.Deserialize<ReminderPayload>(message.Payload, Json) ?? throw new OutboxDeliveryException("empty reminder payload");
        await using var conn = await db.OpenConnectionAsync(ct);
        var users = await org.ActiveDingTalkIdsAsync(conn, p.UserIds, ct);
        if (users.Count == 0) return new OutboxDelivery.Nothing("no recipient is active");
        var views = await store.LineViewsAsync(conn, p.Items, ct);
        var lines = p.Items.Where(i => views.ContainsKey((i.Kind, i.Id))).Select(i => (i, views[(i.Kind, i.Id)])).ToList();
        if (lines.Count == 0) return new OutboxDelivery.Nothing("every subject is gone");
        return new OutboxDelivery.UserMessages(users.Select(u => u.DingTalkUserId).ToList(), ReminderMessages.Compose(lines, links.Value.Link(MiniAppPages.Todos)));
    }
}
