using System.Globalization;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Reminders;

/// <summary>What a reminder is about.</summary>
public enum SubjectKind
{
    Clue,
    /// <summary>A guidance finding (整改).</summary>
    Finding,
    /// <summary>A work-list task with a deadline.</summary>
    Task,
    /// <summary>A school in an open guidance window, for one work-group member.</summary>
    Guidance,
}

/// <summary>Who a step goes to; <see cref="ReminderRecipients"/> turns each into users.</summary>
public enum Recipient
{
    /// <summary>The clue's assignee; with none, the staff of its unit; unrouted, the school's co-leaders.</summary>
    Handlers,
    UnitHead,
    CoLeaders,
    /// <summary>The liaison of the district department of the clue's (or task's) line.</summary>
    LineLiaison,
    EduAdmin,
    /// <summary>The EDU admin, only once the supervision deadline has passed.</summary>
    EduAdminPastSupervision,
    /// <summary>Staff of the unit that dispatched the clue to the four platforms.</summary>
    DispatchingUnit,
    Reporter,
    /// <summary>A finding's assignee: the school's safety staff, or the assigned unit's staff.</summary>
    FindingAssignee,
    FindingCreator,
    /// <summary>The one work-group member a guidance-window subject is for.</summary>
    Member,
}

/// <summary>
/// One thing a reminder may be about, as the evaluator sees it: its state, its deadline (UTC) and its flags. Clues carry
/// their own fields; a finding's or task's deadline date becomes the start of that China day; a guidance window's
/// subject is due at the window's start and runs until its end (<see cref="Until"/>).
/// </summary>
public sealed record ReminderSubject
{
    public SubjectKind Kind { get; init; }
    public long Id { get; init; }
    public string State { get; init; } = "";
    public DateTime? DueAt { get; init; }
    public DateTime? Until { get; init; }
    public bool Supervised { get; init; }
    public DateTime? SupervisionDueAt { get; init; }
    /// <summary>Part of the key beside the due time where one subject reminds several people separately (the guidance member).</summary>
    public string? KeySuffix { get; init; }
    public int Version { get; init; }

    // Who is around it (what the recipients resolve from).
    public long? SchoolId { get; init; }
    public long? UnitId { get; init; }
    public long? AssigneeUserId { get; init; }
    public bool Unrouted { get; init; }
    public string? LineCode { get; init; }
    public long? DispatchingUnitId { get; init; }
    public long? ReporterUserId { get; init; }
    /// <summary>A finding's record creator; a guidance subject's member.</summary>
    public long? PersonUserId { get; init; }
}

/// <summary>
/// A reminder step (domain.md §5) as data: which subjects in which states, when it fires (null: not for this subject),
/// until when it is still worth sending, who gets it as a line of their merged message and the words of that line.
/// <see cref="Daily"/> steps fire once per working day (their key is the date); the others once per subject, step and due
/// time. <see cref="CardTo"/> get the clue's own card instead (one delivery to all of them), whose buttons are theirs —
/// for overdue-3 that is 挂牌督办.
/// </summary>
public sealed record ReminderStep(
    string Code,
    SubjectKind Kind,
    IReadOnlySet<string> States,
    Func<ReminderSubject, HolidayTable, DateTime?> FiresAt,
    Func<ReminderSubject, HolidayTable, DateTime?> Until,
    IReadOnlyList<Recipient> To,
    string Label,
    bool Daily = false,
    IReadOnlyList<Recipient>? CardTo = null);

/// <summary>A step that is due for a subject now, with the key it is recorded under.</summary>
public sealed record DueReminder(ReminderSubject Subject, ReminderStep Step, string DueKey);

/// <summary>The step table and its one evaluator. Pure.</summary>
public static class ReminderSteps
{
    private static readonly IReadOnlySet<string> Pending = Set(ClueState.PendingAcceptance);
    private static readonly IReadOnlySet<string> Working = Set(ClueState.InProgress);
    private static readonly IReadOnlySet<string> Confirming = Set(ClueState.PendingConfirmation);
    private static readonly IReadOnlySet<string> Resolved = Set(ClueState.Resolved);
    private static readonly IReadOnlySet<string> AnyOpen = Set(Enum.GetValues<ClueState>().Where(s => s.IsOpen()).ToArray());
    private static readonly IReadOnlySet<string> FindingOpen = new HashSet<string> { "Open" };
    private static readonly IReadOnlySet<string> TaskOpen = new HashSet<string> { "Open" };

    private static DateTime? Never(ReminderSubject s, HolidayTable t) => null;

    private static DateTime? DayAfter(ReminderSubject s, HolidayTable t) => s.DueAt?.AddDays(1);

    public static readonly IReadOnlyList<ReminderStep> All =
    [
        new("accept-due", SubjectKind.Clue, Pending,
            (s, t) => s.DueAt is { } d ? WorkingTime.WorkingHoursBefore(t, d, TimeSpan.FromHours(4)) : null, (s, t) => s.DueAt,
            [Recipient.Handlers], "即将超过签收期限"),
        new("accept-overdue", SubjectKind.Clue, Pending, (s, t) => s.DueAt, Never,
            [Recipient.Handlers, Recipient.UnitHead], "已超过签收期限"),
        new("due-soon", SubjectKind.Clue, Working,
            (s, t) => s.DueAt is { } d ? WorkingTime.WorkingDaysBefore(t, d, 1) : null, (s, t) => s.DueAt,
            [Recipient.Handlers], "距办理期限不足 1 个工作日"),
        new("overdue", SubjectKind.Clue, Working, (s, t) => s.DueAt, Never,
            [Recipient.Handlers, Recipient.UnitHead, Recipient.CoLeaders], "已超过办理期限"),
        new("overdue-3", SubjectKind.Clue, Working, (s, t) => s.DueAt is { } d ? t.AddWorkingDays(d, 3) : null, Never,
            [], "超期 3 个工作日，建议挂牌督办", CardTo: [Recipient.LineLiaison, Recipient.EduAdmin]),
        new("supervised", SubjectKind.Clue, AnyOpen, (s, t) => s.Supervised ? DateTime.MinValue : null, Never,
            [Recipient.Handlers, Recipient.UnitHead, Recipient.EduAdminPastSupervision], "挂牌督办中", Daily: true),
        new("confirm-due", SubjectKind.Clue, Confirming, (s, t) => s.DueAt, Never,
            [Recipient.DispatchingUnit], "四平台已反馈，待确认办结"),
        // A resolved clue's DueAt is its resolve time and Until its rating deadline (3 working days, then 未评价).
        new("rate", SubjectKind.Clue, Resolved, (s, t) => s.DueAt is { } r ? t.AddWorkingDays(r, 1) : null, (s, t) => s.Until,
            [Recipient.Reporter], "已办结，请对办理结果进行回访评价"),
        // Findings and tasks are due on a date: DueAt is the start of that China day, and "passed" is the day after it.
        new("rectify-due", SubjectKind.Finding, FindingOpen,
            (s, t) => s.DueAt is { } d ? WorkingTime.WorkingDaysBefore(t, d, 1) : null, DayAfter,
            [Recipient.FindingAssignee], "整改期限将至（不足 1 个工作日）"),
        new("rectify-overdue", SubjectKind.Finding, FindingOpen, DayAfter, Never,
            [Recipient.FindingAssignee, Recipient.FindingCreator], "已超过整改期限"),
        new("guidance-window", SubjectKind.Guidance, TaskOpen, (s, t) => s.DueAt, (s, t) => s.Until,
            [Recipient.Member], "服务指导时段已开始，本校尚无指导记录"),
        new("task-deadline-soon", SubjectKind.Task, TaskOpen,
            (s, t) => s.DueAt is { } d ? WorkingTime.WorkingDaysBefore(t, d, 5) : null, DayAfter,
            [Recipient.LineLiaison], "工作清单任务 5 个工作日内到期"),
        new("task-deadline", SubjectKind.Task, TaskOpen, DayAfter, Never,
            [Recipient.LineLiaison], "工作清单任务已到期未完成"),
    ];

    /// <summary>
    /// Every step due for these subjects at <paramref name="nowUtc"/>: fired, not yet past its <c>until</c>, in a state the
    /// step is for. Whether it was already sent is the database's answer (its unique key), not this function's.
    /// </summary>
    public static IEnumerable<DueReminder> Due(IEnumerable<ReminderSubject> subjects, HolidayTable t, DateTime nowUtc)
    {
        var today = WorkingTime.ChinaDate(nowUtc).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var s in subjects)
        foreach (var step in All)
        {
            if (step.Kind != s.Kind || !step.States.Contains(s.State)) continue;
            if (step.FiresAt(s, t) is not { } fires || fires > nowUtc) continue;
            if (step.Until(s, t) is { } until && nowUtc >= until) continue;
            var key = step.Daily ? today : s.DueAt is { } d ? d.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) : "-";
            yield return new DueReminder(s, step, s.KeySuffix is null ? key : $"{key}:{s.KeySuffix}");
        }
    }

    public static ReminderStep Get(string code) => All.First(s => s.Code == code);

    private static HashSet<string> Set(params ClueState[] states) => states.Select(s => s.ToString()).ToHashSet();
}
