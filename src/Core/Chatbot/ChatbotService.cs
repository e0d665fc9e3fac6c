using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Chatbot;

/// <summary>A message to the robot, from either transport (facts §3.6 fields).</summary>
/// <param name="ConversationId">The openConversationId (<c>cid…</c>).</param>
/// <param name="IsGroup">conversationType "2".</param>
public sealed record ChatMessage(string Text, string? SenderDingTalkUserId, string ConversationId, bool IsGroup);

/// <summary>What a person may see of the counts and lists: one school, or the district; optionally one line only.</summary>
public sealed record ChatScope(ClueScope Clues, string Name);

/// <summary>
/// Answers 帮助, 我的待办, 查询 &lt;编号&gt;, 统计 and 督办清单. A person sees only what their role and units allow; in a
/// school's work-group chat everything is limited to that school. Read-only: it changes nothing.
/// </summary>
public sealed partial class ChatbotService(
    MySqlDataSource db,
    ClueStore clues,
    ClueService clueService,
    OrganisationStore org,
    AuditStore audit,
    IOptions<CardOptions> links,
    TimeProvider clock,
    ILogger<ChatbotService> logger)
{
    public const int ListLimit = 10;

    public async Task<ChatReply> ReplyAsync(ChatMessage message, CancellationToken ct)
    {
        var command = ChatbotCommand.Parse(message.Text);
        Log.Command(logger, command.Verb, message.IsGroup);
        var o = links.Value;
        if (command.Verb == ChatbotVerb.Help) return ChatbotReplies.Help(o);

        await using var conn = await db.OpenConnectionAsync(ct);
        var userId = string.IsNullOrEmpty(message.SenderDingTalkUserId) ? null : await org.ActiveUserIdAsync(conn, message.SenderDingTalkUserId, ct);
        if (userId is not { } me) return ChatbotReplies.NotRegistered();
        var chatSchool = message.IsGroup ? await org.SchoolOfConversationAsync(conn, message.ConversationId, ct) : null;
        // A group reply is read by the whole group, whatever the sender may see: a clue's details and a person's
        // to-dos are answered in the 1:1 chat only, and a group that is no school's work group gets nothing.
        if (message.IsGroup && (chatSchool is null || command.Verb is ChatbotVerb.ToDo or ChatbotVerb.Query))
            return ChatbotReplies.PrivateOnly(command.Verb, o);

        switch (command.Verb)
        {
            case ChatbotVerb.ToDo:
                var todo = await clues.ToDoAsync(conn, me, chatSchool is null ? ListLimit : 200, ct);
                return ChatbotReplies.ToDo(todo.Where(c => chatSchool is null || c.SchoolId == chatSchool).Take(ListLimit).ToList(), o);

            case ChatbotVerb.Query:
                var id = await clues.IdByNumberAsync(conn, command.Number!, ct);
                var view = id is { } clueId ? await clues.ViewAsync(conn, clueId, ct) : null;
                if (view is null || (chatSchool is { } s && view.Clue.SchoolId != s)) return ChatbotReplies.ClueNotVisible(command.Number!);
                var relation = await clueService.RelationAsync(conn, null, view.Clue, ActorRef.User(me), ct);
                if (!CluePermissions.CanSee(relation)) return ChatbotReplies.ClueNotVisible(command.Number!);
                // Every read of a clue is logged (domain.md §8), in a chat as in the mini-app.
                await audit.RecordAsync(conn, null, [new AuditEntry(me, AuditAction.ClueRead, "clue",
                    view.Clue.Id.ToString(CultureInfo.InvariantCulture), $"{view.Clue.Number} chatbot")], ct);
                return ChatbotReplies.Clue(view, o);

            case ChatbotVerb.Stats:
            {
                var scope = await ScopeAsync(conn, me, chatSchool, ct);
                if (scope is null) return ChatbotReplies.StatsForbidden();
                var now = clock.GetUtcNow().UtcDateTime;
                var (dayStart, weekStart) = Windows(now);
                var today = await clues.CountsAsync(conn, scope.Clues, dayStart, dayStart.AddDays(1), now, ct);
                var week = await clues.CountsAsync(conn, scope.Clues, weekStart, weekStart.AddDays(7), now, ct);
                return ChatbotReplies.Stats(scope.Name, today, week, o);
            }

            case ChatbotVerb.Supervised:
            {
                var scope = await ScopeAsync(conn, me, chatSchool, ct);
                if (scope is not null) return ChatbotReplies.Supervised(await clues.SupervisedAsync(conn, scope.Clues, null, ListLimit, ct), o);
                // Unit staff see the supervised clues their units hold.
                var units = (await org.MembershipsAsync(conn, null, me, ct))
                    .Where(m => m.Role is Role.Handler or Role.UnitHead).Select(m => m.UnitId).Distinct().ToList();
                if (units.Count == 0) return ChatbotReplies.SupervisedForbidden();
                return ChatbotReplies.Supervised(await clues.SupervisedAsync(conn, new ClueScope(chatSchool, null), units, ListLimit, ct), o);
            }
        }
        return ChatbotReplies.Help(o);
    }

    private async Task<ChatScope?> ScopeAsync(MySqlConnection conn, long userId, long? chatSchool, CancellationToken ct)
    {
        var memberships = await org.MembershipsAsync(conn, null, userId, ct);
        var inWorkGroup = chatSchool is { } s && await org.IsWorkGroupMemberAsync(conn, s, userId, ct);
        var scope = Scope(memberships, chatSchool, inWorkGroup);
        if (scope is null) return null;
        var schoolName = scope.SchoolId is { } id ? (await org.SchoolAsync(conn, null, id, ct))?.Name ?? $"#{id}" : "全区";
        return new ChatScope(scope, scope.LineCode is { } line ? $"{schoolName}（{line} 条线）" : schoolName);
    }

    /// <summary>
    /// Pure: the widest scope a person may see. The Education Bureau admin: the district (or the chat's school); a
    /// department liaison: their line (in the district, or at the chat's school); school staff and co-leaders: their
    /// school (in a chat, only if it is theirs); a work-group member: the chat's school. Anyone else: nothing.
    /// </summary>
    public static ClueScope? Scope(IReadOnlyList<MembershipRow> memberships, long? chatSchool, bool inChatSchoolWorkGroup)
    {
        if (memberships.Any(m => m.Role == Role.EduAdmin)) return new ClueScope(chatSchool, null);
        var schools = memberships.Where(m => m.Role is Role.Reporter or Role.CoLeader && m.SchoolId != 0).Select(m => m.SchoolId).Distinct().ToList();
        if (chatSchool is { } s)
        {
            if (schools.Contains(s) || inChatSchoolWorkGroup) return new ClueScope(s, null);
            if (memberships.FirstOrDefault(m => m.Role == Role.Liaison) is { UnitLineCode: { } chatLine }) return new ClueScope(s, chatLine);
            return null;
        }
        if (memberships.FirstOrDefault(m => m.Role == Role.Liaison) is { UnitLineCode: { } line }) return new ClueScope(null, line);
        return schools.Count > 0 ? new ClueScope(schools[0], null) : null;
    }

    /// <summary>The China-time day and week (from Monday) holding <paramref name="nowUtc"/>, as UTC starts.</summary>
    public static (DateTime DayStart, DateTime WeekStart) Windows(DateTime nowUtc)
    {
        var local = (nowUtc + HolidayTable.ChinaOffset).Date;
        var monday = local.AddDays(-(((int)local.DayOfWeek + 6) % 7));
        return (DateTime.SpecifyKind(local - HolidayTable.ChinaOffset, DateTimeKind.Utc), DateTime.SpecifyKind(monday - HolidayTable.ChinaOffset, DateTimeKind.Utc));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Chatbot command {Verb} (group chat: {IsGroup})")]
        public static partial void Command(ILogger logger, ChatbotVerb verb, bool isGroup);
    }
}
