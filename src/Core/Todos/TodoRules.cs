using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Todos;

/// <summary>An open duty of a person, shown as a DingTalk to-do (待办).</summary>
public enum TodoDuty
{
    /// <summary>签收: the clue waits at a unit (or its one assignee).</summary>
    Accept,
    /// <summary>改派: no member of the item's line at the school; the co-leaders route it.</summary>
    Reroute,
    ApproveDispatch,
    ApproveEscalation,
    ApproveExtension,
    /// <summary>The four platforms reported a result; the dispatching unit confirms it.</summary>
    ConfirmResult,
    /// <summary>回访: the reporter (or a co-leader standing in) rates the result.</summary>
    Rate,
    /// <summary>整改: a service-guidance finding waits for the assignee's evidence.</summary>
    Rectify,
}

/// <summary>Who holds a duty, as the service resolves it to people.</summary>
public enum TodoHolders
{
    /// <summary>The clue's assignee, or the holding unit's handlers and heads when it has none.</summary>
    Handlers,
    /// <summary>The school's co-leaders.</summary>
    CoLeaders,
    /// <summary>The holding unit's heads other than the person whose request waits (separation of duties).</summary>
    OtherHeads,
    /// <summary>The handlers and heads of the unit that dispatched the clue to the four platforms.</summary>
    DispatchingUnit,
    /// <summary>The reporter, or the school's co-leaders once the reporter has left.</summary>
    Raters,
    /// <summary>The finding's unit's handlers and heads, or the visited school's safety staff.</summary>
    FindingAssignee,
}

/// <summary>
/// One row of the clue table: when the duty is open, who holds it, its due time, the to-do's verb, and the reminder step
/// (<see cref="Reminders.ReminderSteps"/>) that makes it a to-do before its grace ends — whose 1:1 message the to-do then
/// stands for (null: the duty has no step of its own).
/// </summary>
public sealed record ClueTodoRule(TodoDuty Duty, Func<ClueRow, DateTime, bool> When, TodoHolders Holders, Func<ClueRow, DateTime?> Due, string Verb,
    string? Step);

/// <summary>A to-do that should be open now: the duty, its holders (our user ids, ascending) and its due time.</summary>
public sealed record WantedTodo(TodoDuty Duty, long? FindingId, IReadOnlyList<long> Executors, DateTime? DueAt)
{
    public string ExecutorKey => TodoRules.ExecutorKey(Executors);
}

/// <summary>A to-do open in our table; <paramref name="ReleasedAt"/>: when it was handed to DingTalk (null: held back in its grace).</summary>
public sealed record OpenTodo(long Id, TodoDuty Duty, long? FindingId, string Executors, DateTime? ReleasedAt = null);

/// <summary>A to-do held back in its grace, as the reminder evaluator sees it.</summary>
public sealed record HeldTodo(long Id, TodoSubject SubjectKind, long SubjectId, long? FindingId, TodoDuty Duty, string Executors, DateTime? ReleaseAt)
{
    public IReadOnlyList<long> ExecutorIds => TodoRules.ExecutorIds(Executors);
}

/// <summary>
/// The to-do rules as data (issue 9 item 4), pure. A clue's or a guidance record's open to-dos are a function of where it
/// stands: after every change the service works out the duties the tables say are open now and compares them with the
/// open to-dos (<see cref="Diff"/>): a duty no longer open, or held by other people now, is completed (for every executor at
/// once: one to-do has all the holders as executors); a duty newly open gets a new to-do. So whoever acts, and wherever the
/// clue moves, every holder's to-do is completed, and a repeated action, which changes nothing, makes none.
/// </summary>
public static class TodoRules
{
    private static DateTime? DueAt(ClueRow c) => c.DueAt;

    public static readonly IReadOnlyList<ClueTodoRule> Clue =
    [
        // accept-due goes to the handler(s), or to the co-leaders of an unrouted clue: the holders of 签收 / 改派.
        new(TodoDuty.Accept, (c, _) => c.State == ClueState.PendingAcceptance && !c.Unrouted, TodoHolders.Handlers, DueAt, "签收线索", "accept-due"),
        new(TodoDuty.Reroute, (c, _) => c.State == ClueState.PendingAcceptance && c.Unrouted, TodoHolders.CoLeaders, DueAt, "改派线索", "accept-due"),
        new(TodoDuty.ApproveDispatch, (c, _) => c.PendingRequest == PendingRequest.Dispatch, TodoHolders.OtherHeads, DueAt, "审核下发四平台", null),
        new(TodoDuty.ApproveEscalation, (c, _) => c.PendingRequest == PendingRequest.Escalation, TodoHolders.OtherHeads, DueAt, "审批上报上级", null),
        new(TodoDuty.ApproveExtension, (c, _) => c.PendingRequest == PendingRequest.Extension, TodoHolders.OtherHeads, DueAt, "审批延期申请", null),
        new(TodoDuty.ConfirmResult, (c, _) => c.State == ClueState.PendingConfirmation, TodoHolders.DispatchingUnit, DueAt, "确认四平台处置结果", "confirm-due"),
        new(TodoDuty.Rate, (c, now) => c.State == ClueState.Resolved && c.Rating is null && c.RatingDueAt > now, TodoHolders.Raters,
            c => c.RatingDueAt, "回访评价", "rate"),
    ];

    /// <summary>The finding's step that makes its 整改 to-do before the grace ends (to the assignee, the to-do's holders).</summary>
    public const string RectifyStep = "rectify-due";

    /// <summary>The reminder step a duty's to-do stands for, or null.</summary>
    public static string? StepOf(TodoDuty duty) => duty == TodoDuty.Rectify ? RectifyStep : Clue.Single(r => r.Duty == duty).Step;

    /// <summary>
    /// When a newly open duty becomes a DingTalk to-do: null for at once (no grace, or the duty was a to-do already and only
    /// its holders changed), else the end of its grace, <paramref name="graceWorkingDays"/> working days on. The reminder
    /// evaluator hands it over then at the latest, at working time, or earlier at the duty's step (<see cref="StepOf"/>).
    /// </summary>
    public static DateTime? ReleaseAt(int graceWorkingDays, bool wasTodo, Calendar.HolidayTable t, DateTime nowUtc) =>
        graceWorkingDays <= 0 || wasTodo ? null : t.AddWorkingDays(nowUtc, graceWorkingDays);

    /// <summary>
    /// Which held-back to-dos a run of the evaluator hands to DingTalk: those whose grace has ended, and those whose duty's
    /// step falls due now for their clue or finding (<paramref name="dueSteps"/>: step code, subject kind and id).
    /// </summary>
    public static IReadOnlyList<HeldTodo> Releasing(IReadOnlyList<HeldTodo> held, IReadOnlyCollection<(string Step, Reminders.SubjectKind Kind, long Id)> dueSteps,
        DateTime nowUtc) =>
        held.Where(h => h.ReleaseAt <= nowUtc || StepDue(h, dueSteps)).ToList();

    private static bool StepDue(HeldTodo h, IReadOnlyCollection<(string Step, Reminders.SubjectKind Kind, long Id)> dueSteps) =>
        StepOf(h.Duty) is { } step && dueSteps.Contains(h.FindingId is { } f ? (step, Reminders.SubjectKind.Finding, f) : (step, Reminders.SubjectKind.Clue, h.SubjectId));

    /// <summary>
    /// The reminder lines a to-do handed over in the same run tells instead (its creation notifies its executors): the
    /// duty's step, on its clue or finding, for each executor DingTalk can reach (<paramref name="reachable"/>).
    /// </summary>
    public static IReadOnlySet<(long User, Reminders.ReminderItem Item)> Told(IEnumerable<HeldTodo> released, IReadOnlySet<long> reachable)
    {
        var told = new HashSet<(long, Reminders.ReminderItem)>();
        foreach (var h in released)
        {
            if (StepOf(h.Duty) is not { } step) continue;
            var item = h.FindingId is { } f ? new Reminders.ReminderItem(Reminders.SubjectKind.Finding, f, step) : new Reminders.ReminderItem(Reminders.SubjectKind.Clue, h.SubjectId, step);
            foreach (var user in h.ExecutorIds.Where(reachable.Contains)) told.Add((user, item));
        }
        return told;
    }

    public static IReadOnlyList<long> ExecutorIds(string executors) =>
        executors.Length == 0 ? [] : executors.Split(',').Select(s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>The clue's duties open now (each still to be resolved to people).</summary>
    public static IEnumerable<ClueTodoRule> OpenFor(ClueRow clue, DateTime now) => Clue.Where(r => r.When(clue, now));

    /// <summary>A finding's duty: rectify while it is open (submitted evidence waits for the visiting unit, not the assignee).</summary>
    public static bool RectifyOpen(FindingRow finding) => finding.State == FindingState.Open;

    public static string Verb(TodoDuty duty) =>
        duty == TodoDuty.Rectify ? "整改问题" : Clue.Single(r => r.Duty == duty).Verb;

    public static string ExecutorKey(IEnumerable<long> executors) =>
        string.Join(',', executors.Distinct().Order().Select(e => e.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// What to change: the open to-dos whose duty ended or whose holders changed are closed; the wanted ones not open yet are
    /// opened. A wanted to-do with nobody to hold it is not opened.
    /// </summary>
    public static (IReadOnlyList<long> Close, IReadOnlyList<WantedTodo> Open) Diff(IReadOnlyList<OpenTodo> open, IReadOnlyList<WantedTodo> wanted)
    {
        var want = wanted.Where(w => w.Executors.Count > 0).ToList();
        var close = open.Where(o => !want.Any(w => Same(o, w))).Select(o => o.Id).ToList();
        var add = want.Where(w => !open.Any(o => Same(o, w))).DistinctBy(w => (w.Duty, w.FindingId, w.ExecutorKey)).ToList();
        return (close, add);
    }

    /// <summary>Whether a duty opened anew (other holders) was a DingTalk to-do already: then the new holders get theirs at once.</summary>
    public static bool WasTodo(WantedTodo w, IReadOnlyList<OpenTodo> open) =>
        open.Any(o => o.Duty == w.Duty && o.FindingId == w.FindingId && o.ReleasedAt is not null);

    private static bool Same(OpenTodo o, WantedTodo w) => o.Duty == w.Duty && o.FindingId == w.FindingId && o.Executors == w.ExecutorKey;

    /// <summary>The to-do's title: what to do, on which clue (number, school, category); never the description or a phone.</summary>
    public static string ClueSubject(TodoDuty duty, ClueView v) =>
        $"{Verb(duty)}：{v.Clue.Number}（{ChatText.Plain(v.SchoolName)} · {ChatText.Plain(v.ItemLabel)}）";

    public static string FindingSubject(GuidanceRecordRow record, FindingRow f) =>
        $"{Verb(TodoDuty.Rectify)}：{ChatText.Plain(record.SchoolName)}服务指导发现的问题「{(f.Description.Length <= 40 ? f.Description : f.Description[..40] + "…")}」";
}
