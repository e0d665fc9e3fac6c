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
}
