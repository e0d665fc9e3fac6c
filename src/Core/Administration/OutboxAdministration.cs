using System.Globalization;
using MySqlConnector;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Administration;

/// <summary>The admin's view of the outbox after a long DingTalk outage: the dead rows, and putting one back in the queue (audited).</summary>
public sealed class OutboxAdministration(MySqlDataSource db, OrganisationStore org, OutboxAdmin outbox, AuditStore audit)
{
    private static readonly Failure AdminOnly = Failure.Forbidden("仅区教育局管理员可以处理未送达的消息");

    public async Task<Outcome<IReadOnlyList<OutboxDeadRow>>> DeadAsync(long actorId, int limit, long? beforeId, CancellationToken ct)
    {
        if (!await IsAdminAsync(actorId, ct)) return AdminOnly;
        return Outcome.Of(await outbox.ListDeadAsync(limit, beforeId, ct));
    }

    public async Task<Outcome<long>> RequeueAsync(long actorId, long id, CancellationToken ct)
    {
        if (!await IsAdminAsync(actorId, ct)) return AdminOnly;
        if (!await outbox.RetryDeadAsync(id, ct)) return Failure.NotFound("outbox.not_dead", "没有这条未送达的消息，或它已重新排队");
        await audit.RecordAsync(new AuditEntry(actorId, AuditAction.AdminChange, "outbox", id.ToString(CultureInfo.InvariantCulture), "requeue"), ct);
        return id;
    }

    private async Task<bool> IsAdminAsync(long actorId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await org.ActorAsync(conn, actorId, ct)).IsEduAdmin;
    }
}
