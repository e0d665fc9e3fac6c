using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Inbox;

/// <summary>
/// Processes stored events, each exactly once: its effects and its "processed" mark commit in one transaction, under
/// the claim of one worker. Contact events create, update or deactivate our users (a leaver's open clues go before
/// their unit head as a <c>clue.user.notice</c>); a disbanded group chat is unbound from its work group; any other
/// event is recorded and acknowledged. A failure is retried with backoff, and after <see cref="InboxOptions.MaxAttempts"/> kept as dead.
/// </summary>
public sealed partial class InboxProcessor(
    MySqlDataSource db,
    InboxStore store,
    OrganisationStore org,
    StaffDeparture departures,
    IDingTalkClient dingTalk,
    IOptions<InboxOptions> options,
    TimeProvider clock,
    ILogger<InboxProcessor> logger)
{
    public const string AssigneeLeftNotice = StaffDeparture.AssigneeLeftNotice;
    private const string ProfileChanged = "user_modify_org";
    private static readonly string[] Joined = ["user_add_org", ProfileChanged, "user_active_org"];
    private static readonly string[] Left = ["user_leave_org"];
    private static readonly string[] Disbanded = ["chat_disband", "im_group_disband"];

    /// <summary>Processes due events until none is left; returns how many were processed (not counting failures).</summary>
    public async Task<int> ProcessDueAsync(CancellationToken ct)
    {
        var o = options.Value;
        var done = 0;
        while (!ct.IsCancellationRequested)
        {
            IReadOnlyList<InboxRow> rows;
            await using (var conn = await db.OpenConnectionAsync(ct))
                rows = await store.ClaimAsync(conn, o.BatchSize, o.Lease, ct);
            if (rows.Count == 0) break;
            foreach (var row in rows)
                if (await ProcessAsync(row, ct)) done++;
        }
        return done;
    }

    private async Task<bool> ProcessAsync(InboxRow row, CancellationToken ct)
    {
        try
        {
            using var doc = JsonDocument.Parse(row.Payload);
            var e = doc.RootElement;
            var type = row.EventType;
            // DingTalk reads happen before the transaction: never hold locks across a network call.
            var details = Joined.Contains(type) ? await DetailsAsync(InboxEvent.List(e, "UserId", "userId", "UserIds"), ct) : [];

            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            string outcome;
            if (Joined.Contains(type))
            {
                foreach (var d in details)
                {
                    var name = string.IsNullOrWhiteSpace(d.Name) ? d.UserId : d.Name;
                    // Joining (or rejoining) the organisation reactivates; a mere profile change never undoes a deactivation.
                    if (type == ProfileChanged) await org.UpsertUserDetailsAsync(conn, tx, d.UserId, d.UnionId, name, d.Mobile, ct);
                    else await org.UpsertActiveUserAsync(conn, tx, d.UserId, d.UnionId, name, d.Mobile, ct);
                }
                outcome = $"upserted {details.Count} user(s)";
            }
            else if (Left.Contains(type))
            {
                outcome = await DeactivateAsync(conn, tx, InboxEvent.List(e, "UserId", "userId", "UserIds"), ct);
            }
            else if (Disbanded.Contains(type))
            {
                var chats = InboxEvent.List(e, "OpenConversationId", "openConversationId", "ChatId", "chatId");
                outcome = $"unbound {await org.UnbindConversationsAsync(conn, tx, chats, ct)} work group(s)";
            }
            else
            {
                outcome = "recorded";
            }
            if (!await store.MarkProcessedAsync(conn, tx, row, outcome, ct))
            {
                Log.LeaseLost(logger, row.EventKey, type);
                return false;   // disposing the transaction rolls the effects back; the owner of the lease processes it
            }
            await tx.CommitAsync(ct);
            Log.Processed(logger, row.EventKey, type, outcome);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var o = options.Value;
            var dead = row.Attempts >= o.MaxAttempts;
            var next = clock.GetUtcNow() + OutboxDispatcher.Backoff(row.Attempts, o.BaseBackoff, o.MaxBackoff, Random.Shared.NextDouble());
            var error = ex is DingTalkApiException d ? $"{d.Endpoint}: {d.Code} {d.ApiMessage}" : $"{ex.GetType().Name}: {ex.Message}";
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
            await store.MarkFailedAsync(conn, row, error, next, dead, CancellationToken.None);
            Log.Failed(logger, row.EventKey, row.EventType, row.Attempts, dead, error);
            return false;
        }
    }

    private async Task<IReadOnlyList<DingTalkUserDetail>> DetailsAsync(IReadOnlyList<string> userIds, CancellationToken ct)
    {
        var list = new List<DingTalkUserDetail>(userIds.Count);
        foreach (var id in userIds) list.Add(await dingTalk.GetUserAsync(id, ct));
        return list;
    }

    /// <summary>Leavers: deactivated; each open clue assigned to one goes before the head(s) of the clue's unit.</summary>
    private async Task<string> DeactivateAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<string> dingTalkIds, CancellationToken ct)
    {
        var users = await org.UsersByDingTalkIdAsync(conn, tx, dingTalkIds, ct);
        var handedOver = 0;
        foreach (var u in users)
            handedOver += await departures.DeactivateAsync(conn, tx, u.Id, DeactivatedBy.DingTalk, ct);
        return $"deactivated {users.Count} user(s), {handedOver} clue(s) before their unit head";
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Event {EventKey} ({EventType}) processed: {Outcome}")]
        public static partial void Processed(ILogger logger, string eventKey, string eventType, string outcome);

        [LoggerMessage(2, LogLevel.Warning, "Event {EventKey} ({EventType}) attempt {Attempt} failed (dead: {Dead}): {Error}")]
        public static partial void Failed(ILogger logger, string eventKey, string eventType, int attempt, bool dead, string error);

        [LoggerMessage(3, LogLevel.Warning, "Event {EventKey} ({EventType}): the claim expired before it was processed; another worker owns it")]
        public static partial void LeaseLost(ILogger logger, string eventKey, string eventType);
    }
}
