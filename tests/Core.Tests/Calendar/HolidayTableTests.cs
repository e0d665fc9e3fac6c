using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Tests.Calendar;

public sealed class HolidayTableTests
{
    // The 2026 National Day and Spring Festival arrangements (国务院办公厅 2025-11-04).
    private static readonly HolidayTable Table2026 = new(
        new Dictionary<DateOnly, bool>
        {
            [new(2026, 9, 20)] = true, [new(2026, 10, 10)] = true,
            [new(2026, 10, 1)] = false, [new(2026, 10, 2)] = false, [new(2026, 10, 3)] = false, [new(2026, 10, 4)] = false,
            [new(2026, 10, 5)] = false, [new(2026, 10, 6)] = false, [new(2026, 10, 7)] = false,
            [new(2026, 2, 14)] = true, [new(2026, 2, 28)] = true,
            [new(2026, 2, 15)] = false, [new(2026, 2, 16)] = false, [new(2026, 2, 17)] = false, [new(2026, 2, 18)] = false,
            [new(2026, 2, 19)] = false, [new(2026, 2, 20)] = false, [new(2026, 2, 21)] = false, [new(2026, 2, 22)] = false,
            [new(2026, 2, 23)] = false,
        },
        new HashSet<int> { 2026 });

    /// <summary>China time → UTC.</summary>
    private static DateTime Cst(int y, int m, int d, int h = 10) => new DateTime(y, m, d, h, 0, 0, DateTimeKind.Utc).AddHours(-8);

    [Theory]
    [InlineData(2026, 9, 30, 1, 2026, 10, 8)]    // across the National Day holiday
    [InlineData(2026, 10, 9, 1, 2026, 10, 10)]   // Saturday 10 Oct is an adjusted working day (调休)
    [InlineData(2026, 9, 18, 1, 2026, 9, 20)]    // Sunday 20 Sep is an adjusted working day
    [InlineData(2026, 2, 13, 1, 2026, 2, 14)]    // Saturday 14 Feb works before the Spring Festival
    [InlineData(2026, 2, 14, 1, 2026, 2, 24)]    // nine days off, then Tuesday
    [InlineData(2026, 11, 27, 1, 2026, 11, 30)]  // an ordinary Friday → Monday
    [InlineData(2026, 11, 28, 1, 2026, 11, 30)]  // reported on a Saturday → Monday
    [InlineData(2026, 9, 28, 5, 2026, 10, 10)]   // Mon 28 Sep + 5: 29, 30, 8, 9, 10 Oct
    [InlineData(2026, 11, 30, 0, 2026, 11, 30)]
    public void AddWorkingDays_FollowsHolidaysAndAdjustedWorkdays(int y, int m, int d, int days, int ey, int em, int ed) =>
        Assert.Equal(Cst(ey, em, ed), Table2026.AddWorkingDays(Cst(y, m, d), days));

    [Fact]
    public void AddWorkingDays_KeepsTheChinaTimeOfDay_AcrossTheUtcDateLine()
    {
        // 07:30 China time on Friday is 23:30 UTC on Thursday: still Friday for the district.
        Assert.Equal(Cst(2026, 11, 30, 7).AddMinutes(30), Table2026.AddWorkingDays(Cst(2026, 11, 27, 7).AddMinutes(30), 1));
    }

    [Fact]
    public void YearWithoutTable_CountsPlainWeekdays_AndSaysWhichYear()
    {
        // 1 Jan 2027 is a Friday; without a 2027 table it is an ordinary working day.
        var due = Table2026.AddWorkingDays(Cst(2026, 12, 31), 1);
        Assert.Equal(Cst(2027, 1, 1), due);
        Assert.Equal([2027], Table2026.MissingYears(Cst(2026, 12, 31), due).ToList());
        Assert.Empty(Table2026.MissingYears(Cst(2026, 3, 1), Cst(2026, 4, 1)));
    }

    [Fact]
    public void WorkingDaysBetween_CountsOnlyWorkingDays()
    {
        Assert.Equal(3, Table2026.WorkingDaysBetween(Cst(2026, 9, 30), Cst(2026, 10, 10)));
        Assert.Equal(0, Table2026.WorkingDaysBetween(Cst(2026, 10, 1), Cst(2026, 10, 7)));
    }

    [Fact]
    public void DueTimeOptions_DefaultsAndItemOverrides()
    {
        var o = new DueTimeOptions { Items = { [5] = new ItemDueTimes { ResolveWorkGroupDays = 3 } } };
        Assert.Equal(1, o.DaysFor(ClueState.PendingAcceptance, Tier.City, 4));
        Assert.Equal(5, o.DaysFor(ClueState.InProgress, Tier.WorkGroup, 4));
        Assert.Equal(3, o.DaysFor(ClueState.InProgress, Tier.WorkGroup, 5));
        Assert.Equal(10, o.DaysFor(ClueState.InProgress, Tier.District, 5));
        Assert.Equal(10, o.DaysFor(ClueState.InProgress, Tier.City, 4));
        Assert.Equal(2, o.DaysFor(ClueState.PendingConfirmation, Tier.District, 4));
        Assert.Null(o.DaysFor(ClueState.DispatchedToGrid, Tier.District, 4));
        Assert.Null(o.DaysFor(ClueState.Resolved, Tier.District, 4));
    }
}

public sealed class ChinaTimeTests
{
    [Fact]
    public void ToUtc_WithoutOffset_IsChinaTime_WithOffsetAsGiven()
    {
        Assert.Equal(new DateTime(2026, 11, 30, 2, 0, 0, DateTimeKind.Utc), ChinaTime.ToUtc(new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Unspecified)));
        Assert.Equal(new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), ChinaTime.ToUtc(new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc)));
        Assert.Null(ChinaTime.ToUtc((DateTime?)null));
    }
}
