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

/// <summary>One row of the clue table: when the duty is open, who holds it, its due time, and the to-do's verb.</summary>
public sealed record ClueTodoRule(TodoDuty Duty, Func<ClueRow, DateTime, bool> When, TodoHolders Holders, Func<ClueRow, DateTime?> Due, string Verb);

/// <summary>A to-do that should be open now: the duty, its holders (our user ids, ascending) and its due time.</summary>
public sealed record WantedTodo(TodoDuty Duty, long? FindingId, IReadOnlyList<long> Executors, DateTime? DueAt)
{
    public string ExecutorKey => TodoRules.ExecutorKey(Executors);
}

/// <summary>A to-do open in our table.</summary>
public sealed record OpenTodo(long Id, TodoDuty Duty, long? FindingId, string Executors);

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
        new(TodoDuty.Accept, (c, _) => c.State == ClueState.PendingAcceptance && !c.Unrouted, TodoHolders.Handlers, DueAt, "签收线索"),
        new(TodoDuty.Reroute, (c, _) => c.State == ClueState.PendingAcceptance && c.Unrouted, TodoHolders.CoLeaders, DueAt, "改派线索"),
        new(TodoDuty.ApproveDispatch, (c, _) => c.PendingRequest == PendingRequest.Dispatch, TodoHolders.OtherHeads, DueAt, "审核下发四平台"),
        new(TodoDuty.ApproveEscalation, (c, _) => c.PendingRequest == PendingRequest.Escalation, TodoHolders.OtherHeads, DueAt, "审批上报上级"),
        new(TodoDuty.ApproveExtension, (c, _) => c.PendingRequest == PendingRequest.Extension, TodoHolders.OtherHeads, DueAt, "审批延期申请"),
        new(TodoDuty.ConfirmResult, (c, _) => c.State == ClueState.PendingConfirmation, TodoHolders.DispatchingUnit, DueAt, "确认四平台处置结果"),
        new(TodoDuty.Rate, (c, now) => c.State == ClueState.Resolved && c.Rating is null && c.RatingDueAt > now, TodoHolders.Raters,
            c => c.RatingDueAt, "回访评价"),
    ];

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

    private static bool Same(OpenTodo o, WantedTodo w) => o.Duty == w.Duty && o.FindingId == w.FindingId && o.Executors == w.ExecutorKey;

    /// <summary>The to-do's title: what to do, on which clue (number, school, category); never the description or a phone.</summary>
    public static string ClueSubject(TodoDuty duty, ClueView v) =>
        $"{Verb(duty)}：{v.Clue.Number}（{ChatText.Plain(v.SchoolName)} · {ChatText.Plain(v.ItemLabel)}）";

    public static string FindingSubject(GuidanceRecordRow record, FindingRow f) =>
        $"{Verb(TodoDuty.Rectify)}：{ChatText.Plain(record.SchoolName)}服务指导发现的问题「{(f.Description.Length <= 40 ? f.Description : f.Description[..40] + "…")}」";
}
