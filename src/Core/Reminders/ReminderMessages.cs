using System.Globalization;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Reminders;

/// <summary>One line of a person's merged reminder: which subject, which step.</summary>
public sealed record ReminderItem(SubjectKind Kind, long Id, string Step);

/// <summary>
/// Payload of <see cref="ReminderMessages.Topic"/>: every line of one run for a person (ids only) — and for everyone else
/// whose lines are exactly the same, so that one DingTalk call (up to 20 users) serves them all.
/// </summary>
public sealed record ReminderPayload(IReadOnlyList<long> UserIds, IReadOnlyList<ReminderItem> Items);

/// <summary>What a reminder line shows about its subject (read when the row is sent).</summary>
public sealed record ReminderLineView
{
    public SubjectKind Kind { get; init; }
    public long Id { get; init; }
    public string Title { get; init; } = "";
    public string Place { get; init; } = "";
    public DateTime? DueAt { get; init; }
}

/// <summary>From due steps to outbox rows: the recipients resolved, every line for one person merged into one message. Pure.</summary>
public static class ReminderMessages
{
    /// <summary>A person's merged reminder (1:1 robot message). Payload: <see cref="ReminderPayload"/>.</summary>
    public const string Topic = "reminder.user";

    /// <param name="told">Lines to leave out: a to-do handed over in the same run tells them (its creation notifies its executor).</param>
    public static IReadOnlyList<OutboxMessage> Build(IReadOnlyList<DueReminder> due, RecipientDirectory dir, DateTime nowUtc,
        IReadOnlySet<(long User, ReminderItem Item)>? told = null)
    {
        var perUser = new SortedDictionary<long, List<ReminderItem>>();
        var seen = new HashSet<(long, ReminderItem)>();
        var cards = new List<OutboxMessage>();
        foreach (var d in due)
        {
            var item = new ReminderItem(d.Subject.Kind, d.Subject.Id, d.Step.Code);
            foreach (var user in Resolve(d.Step.To, d.Subject, dir, nowUtc))
            {
                if (told?.Contains((user, item)) == true) continue;
                if (!perUser.TryGetValue(user, out var items)) perUser[user] = items = [];
                if (seen.Add((user, item))) items.Add(item);
            }
            if (d.Step.CardTo is { Count: > 0 } cardTo && d.Subject.Kind == SubjectKind.Clue
                && Resolve(cardTo, d.Subject, dir, nowUtc).ToList() is { Count: > 0 } holders)
                cards.Add(new OutboxMessage(OutboxTopics.CardDeliver, ClueService.CardKey(d.Subject.Id),
                    new CardDeliverPayload(d.Subject.Id, d.Subject.Version, holders, d.Step.Code)));
        }
        // People with the same lines get one message together (the handler and the unit head of one overdue clue, say).
        var merged = perUser
            .GroupBy(p => string.Join(';', p.Value.Select(i => $"{i.Kind}:{i.Id}:{i.Step}")), StringComparer.Ordinal)
            .SelectMany(g => g.Chunk(20).Select(users => new OutboxMessage(Topic, null,
                new ReminderPayload(users.Select(u => u.Key).ToList(), g.First().Value))));
        return merged.Concat(cards).ToList();
    }

    /// <summary>The users a step's recipients stand for, for one subject, each once, in id order.</summary>
    public static IEnumerable<long> Resolve(IReadOnlyList<Recipient> to, ReminderSubject s, RecipientDirectory dir, DateTime nowUtc)
    {
        var users = new SortedSet<long>();
        foreach (var r in to)
        {
            switch (r)
            {
                case Recipient.Handlers:
                    if (s.AssigneeUserId is { } a) users.Add(a);
                    else if (s.UnitId is { } u) users.UnionWith(Unit(dir, u, null));
                    else if (s.SchoolId is { } school) users.UnionWith(School(dir, school, "CoLeader"));
                    break;
                case Recipient.UnitHead:
                    if (s.UnitId is { } hu) users.UnionWith(Unit(dir, hu, "UnitHead"));
                    break;
                case Recipient.CoLeaders:
                    if (s.SchoolId is { } cs) users.UnionWith(School(dir, cs, "CoLeader"));
                    break;
                case Recipient.LineLiaison:
                    if (s.LineCode is { } line && dir.LiaisonsByLine.TryGetValue(line, out var liaisons)) users.UnionWith(liaisons);
                    break;
                case Recipient.EduAdmin:
                    users.UnionWith(dir.EduAdmins);
                    break;
                case Recipient.EduAdminPastSupervision:
                    if (s.SupervisionDueAt is { } sd && sd < nowUtc) users.UnionWith(dir.EduAdmins);
                    break;
                case Recipient.DispatchingUnit:
                    if (s.DispatchingUnitId is { } du) users.UnionWith(Unit(dir, du, null));
                    break;
                case Recipient.Reporter:
                    if (s.ReporterUserId is { } rep) users.Add(rep);
                    break;
                case Recipient.FindingAssignee:
                    if (s.UnitId is { } fu) users.UnionWith(Unit(dir, fu, null));
                    else if (s.SchoolId is { } fs) users.UnionWith(School(dir, fs, "Reporter"));
                    break;
                case Recipient.FindingCreator:
                case Recipient.Member:
                    if (s.PersonUserId is { } p) users.Add(p);
                    break;
            }
        }
        return users;
    }

    private static IEnumerable<long> Unit(RecipientDirectory dir, long unitId, string? role) =>
        dir.UnitStaff[unitId].Where(h => role is null || h.Role == role).Select(h => h.UserId);

    private static IEnumerable<long> School(RecipientDirectory dir, long schoolId, string role) =>
        dir.SchoolStaff[schoolId].Where(h => h.Role == role).Select(h => h.UserId);

    /// <summary>
    /// The merged message: a heading with the count, then one line per subject and step — what happened, which subject,
    /// where, and its deadline (China time) — and the link to the to-do list.
    /// </summary>
    public static RobotMessage Compose(IReadOnlyList<(ReminderItem Item, ReminderLineView View)> lines, string todoLink)
    {
        var text = new List<string> { "### 待办提醒", $"您有 {lines.Count} 项事项需要处理：", "" };
        foreach (var (item, v) in lines)
        {
            var step = ReminderSteps.Get(item.Step);
            var due = v.DueAt is { } d ? $"，期限 {Format(item.Kind, d)}" : "";
            text.Add($"- 【{step.Label}】{v.Title}（{v.Place}）{due}");
        }
        text.Add("");
        text.Add($"[在小程序中处理]({todoLink})");
        return RobotMessage.Markdown("待办提醒", string.Join('\n', text));
    }

    private static string Format(SubjectKind kind, DateTime utc) =>
        (utc + HolidayTable.ChinaOffset).ToString(kind == SubjectKind.Clue ? "yyyy-MM-dd HH:mm" : "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
