using SchoolSafety.Core.WorkList;

namespace SchoolSafety.Core.Tests.WorkList;

public sealed class WorkListDeadlinesTests
{
    private static readonly DateOnly Today = new(2026, 11, 30);

    [Theory]
    [InlineData("2026-11-29", false, true)]
    [InlineData("2026-11-30", false, false)]
    [InlineData("2026-12-01", false, false)]
    [InlineData("2022-06-30", true, false)]
    [InlineData("全年常态", false, false)]
    [InlineData("not a date", false, false)]
    public void IsOverdue_PastDeadlineAndNotDone(string due, bool done, bool expected) =>
        Assert.Equal(expected, WorkListDeadlines.IsOverdue(due, done, Today));

    [Fact]
    public void Validate_AmountOrTextAndADateNotInTheFuture()
    {
        Assert.Null(WorkListService.Validate(new ReportProgressCommand(80, null, Today, false), Today));
        Assert.Equal("worklist.progress_empty", WorkListService.Validate(new ReportProgressCommand(null, " ", Today, false), Today)?.Code);
        Assert.Equal("worklist.date_future", WorkListService.Validate(new ReportProgressCommand(1, null, Today.AddDays(1), false), Today)?.Code);
    }
}
