using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Reminders;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Todos;

namespace SchoolSafety.Core.Tests.Todos;

/// <summary>Which duty each clue stands in opens (the to-do table), and how open to-dos follow the wanted ones.</summary>
public sealed class TodoRulesTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc);

    private static ClueRow Clue(ClueState state, PendingRequest? pending = null, bool unrouted = false, ClueRating? rating = null, DateTime? ratingDue = null) =>
        new() { Id = 1, State = state, PendingRequest = pending, Unrouted = unrouted, Rating = rating, RatingDueAt = ratingDue, UnitId = 5 };

    public static TheoryData<ClueRow, TodoDuty[]> Cases() => new()
    {
        { Clue(ClueState.PendingAcceptance), [TodoDuty.Accept] },
        { Clue(ClueState.PendingAcceptance, unrouted: true), [TodoDuty.Reroute] },
        { Clue(ClueState.InProgress), [] },
        { Clue(ClueState.InProgress, PendingRequest.Escalation), [TodoDuty.ApproveEscalation] },
        { Clue(ClueState.InProgress, PendingRequest.Extension), [TodoDuty.ApproveExtension] },
        { Clue(ClueState.PendingReview, PendingRequest.Dispatch), [TodoDuty.ApproveDispatch] },
        { Clue(ClueState.DispatchedToGrid), [] },
        { Clue(ClueState.DispatchedToGrid, PendingRequest.Extension), [TodoDuty.ApproveExtension] },
        { Clue(ClueState.PendingConfirmation), [TodoDuty.ConfirmResult] },
        { Clue(ClueState.Resolved, ratingDue: Now.AddDays(3)), [TodoDuty.Rate] },
        { Clue(ClueState.Resolved, ratingDue: Now.AddMinutes(-1)), [] },
        { Clue(ClueState.Resolved, rating: ClueRating.Satisfied, ratingDue: Now.AddDays(3)), [] },
        { Clue(ClueState.Resolved, rating: ClueRating.Unrated, ratingDue: Now.AddDays(-1)), [] },
        { Clue(ClueState.Withdrawn), [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachStanding_OpensItsDuties(ClueRow clue, TodoDuty[] expected) =>
        Assert.Equal(expected, TodoRules.OpenFor(clue, Now).Select(r => r.Duty).ToArray());

    [Fact]
    public void EveryDuty_HasAChineseVerb_AndAFindingIsRectifiedOnlyWhileOpen()
    {
        Assert.All(Enum.GetValues<TodoDuty>(), d => Assert.Matches(@"^\p{IsCJKUnifiedIdeographs}+$", TodoRules.Verb(d)));
        Assert.True(TodoRules.RectifyOpen(new FindingRow { State = FindingState.Open }));
        Assert.False(TodoRules.RectifyOpen(new FindingRow { State = FindingState.Submitted }));
        Assert.False(TodoRules.RectifyOpen(new FindingRow { State = FindingState.Closed }));
    }

    [Fact]
    public void Diff_KeepsWhatStillHolds_ClosesWhatEndedOrChangedHands_OpensWhatIsNew()
    {
        OpenTodo[] open = [new(1, TodoDuty.Accept, null, "3,4"), new(2, TodoDuty.ApproveExtension, null, "9")];
        WantedTodo[] wanted =
        [
            new(TodoDuty.Accept, null, [4, 3], null),           // same holders, other order: kept
            new(TodoDuty.ApproveExtension, null, [9, 10], null), // another head now: closed and opened anew
            new(TodoDuty.Rate, null, [], null),                  // nobody to hold it: not opened
        ];

        var (close, add) = TodoRules.Diff(open, wanted);

        Assert.Equal([2L], close);
        var opened = Assert.Single(add);
        Assert.Equal((TodoDuty.ApproveExtension, "9,10"), (opened.Duty, opened.ExecutorKey));
    }

    [Fact]
    public void Diff_TheSameStandingAgain_ChangesNothing()
    {
        OpenTodo[] open = [new(1, TodoDuty.Accept, null, "3")];
        var (close, add) = TodoRules.Diff(open, [new WantedTodo(TodoDuty.Accept, null, [3], null)]);
        Assert.Empty(close);
        Assert.Empty(add);
    }

    [Fact]
    public void EveryDutysStep_IsAStepOfTheReminderTable_ForItsSubject()
    {
        foreach (var duty in Enum.GetValues<TodoDuty>())
            if (TodoRules.StepOf(duty) is { } code)
                Assert.Equal(duty == TodoDuty.Rectify ? SubjectKind.Finding : SubjectKind.Clue, ReminderSteps.Get(code).Kind);
        Assert.Equal("accept-due", TodoRules.StepOf(TodoDuty.Accept));
        Assert.Equal("rate", TodoRules.StepOf(TodoDuty.Rate));
        Assert.Null(TodoRules.StepOf(TodoDuty.ApproveEscalation));
    }

    [Fact]
    public void ReleaseAt_TheGraceInWorkingDays_AtOnceWithoutGrace_OrWhenTheDutyWasATodoAlready()
    {
        var friday = new DateTime(2026, 12, 4, 2, 0, 0, DateTimeKind.Utc);   // Friday 10:00 China
        Assert.Equal(new DateTime(2026, 12, 7, 2, 0, 0, DateTimeKind.Utc), TodoRules.ReleaseAt(1, false, HolidayTable.Empty, friday));   // Monday 10:00
        Assert.Null(TodoRules.ReleaseAt(0, false, HolidayTable.Empty, friday));
        Assert.Null(TodoRules.ReleaseAt(1, true, HolidayTable.Empty, friday));

        var wanted = new WantedTodo(TodoDuty.Accept, null, [5], null);
        Assert.True(TodoRules.WasTodo(wanted, [new(1, TodoDuty.Accept, null, "4", Now)]));     // reassigned: the new holder's at once
        Assert.False(TodoRules.WasTodo(wanted, [new(1, TodoDuty.Accept, null, "4", null)]));   // still held back: a new grace
        Assert.False(TodoRules.WasTodo(wanted, [new(1, TodoDuty.Rate, null, "4", Now)]));
    }

    [Fact]
    public void Releasing_GraceEndedOrItsStepDue_AndTheStepsLinesAreToldByTheTodo()
    {
        HeldTodo[] held =
        [
            new(1, TodoSubject.Clue, 10, null, TodoDuty.Accept, "3,4", Now.AddHours(5)),              // its step is due now
            new(2, TodoSubject.Clue, 11, null, TodoDuty.ApproveEscalation, "7", Now.AddMinutes(-1)),  // its grace has ended
            new(3, TodoSubject.Clue, 12, null, TodoDuty.Rate, "8", Now.AddHours(5)),                  // neither
            new(4, TodoSubject.Guidance, 20, 30, TodoDuty.Rectify, "9", Now.AddDays(2)),              // the finding's step is due
        ];
        (string, SubjectKind, long)[] due =
        [
            ("accept-due", SubjectKind.Clue, 10), ("overdue", SubjectKind.Clue, 12), ("rectify-due", SubjectKind.Finding, 30),
        ];

        var releasing = TodoRules.Releasing(held, due, Now);
        Assert.Equal([1L, 2L, 4L], releasing.Select(h => h.Id).ToArray());

        // Executor 4 has no unionId: DingTalk cannot tell them, so their reminder line stays. A duty with no step tells none.
        var told = TodoRules.Told(releasing, new HashSet<long> { 3, 7, 9 });
        Assert.Equal(
            [(3L, new ReminderItem(SubjectKind.Clue, 10, "accept-due")), (9L, new ReminderItem(SubjectKind.Finding, 30, "rectify-due"))],
            told.OrderBy(t => t.User).ToArray());
    }
}
