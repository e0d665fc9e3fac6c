using Dapper;
using SchoolSafety.Core.Chatbot;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Outbox;

/// <summary>A robot reply's row holds what someone wrote in a chat and who they are: once sent, none of it is kept.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class OutboxPrivacyTests(TestDatabase db)
{
    [Fact]
    public async Task ChatbotReply_OnceSent_KeepsNoChatTextOrIds()
    {
        var store = new OutboxStore(TimeProvider.System);
        var marker = "chat-text-" + Guid.NewGuid().ToString("N");
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await store.EnqueueAsync(conn, tx, [new OutboxMessage(ChatbotReplyRenderer.ReplyTopic, null,
                new ChatbotReplyPayload("cid-secret-chat", false, "staff-secret-id", marker))], CancellationToken.None);
            await tx.CommitAsync();
        }
        var rows = await store.ClaimDueAsync(conn, [ChatbotReplyRenderer.ReplyTopic], 100, TimeSpan.FromMinutes(1), CancellationToken.None);
        var row = Assert.Single(rows, r => r.Payload.Contains(marker));
        Assert.True(await store.MarkSentAsync(conn, row, CancellationToken.None));

        var kept = await conn.QuerySingleAsync<string>("SELECT payload FROM outbox WHERE id = @Id", new { row.Id });
        Assert.DoesNotContain(marker, kept);
        Assert.DoesNotContain("cid-secret-chat", kept);
        Assert.DoesNotContain("staff-secret-id", kept);
        await conn.ExecuteAsync("DELETE FROM outbox WHERE id = @Id", new { row.Id });
    }
}
