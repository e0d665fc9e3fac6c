using SchoolSafety.Core.Calendar;

namespace SchoolSafety.Core.Tests.Calendar;

public sealed class HolidayYearRulesTests
{
    /// <summary>A plausible 2027: New Year, Spring Festival and National Day off, one adjusted Saturday.</summary>
    private static List<HolidayUploadDay> Year2027() =>
    [
        new(new DateOnly(2027, 1, 1), HolidayKind.Off, "元旦"),
        .. Enumerable.Range(6, 8).Select(d => new HolidayUploadDay(new DateOnly(2027, 2, d), HolidayKind.Off, "春节")),
        .. Enumerable.Range(1, 7).Select(d => new HolidayUploadDay(new DateOnly(2027, 10, d), HolidayKind.Off, "国庆节")),
        new(new DateOnly(2027, 10, 9), HolidayKind.Work, "国庆节调休"),
    ];

    [Fact]
    public void Check_AWholeYear_Passes() => Assert.Null(HolidayYearRules.Check(2027, Year2027()));

    [Fact]
    public void Check_ADateTwice_IsRefused()
    {
        var days = Year2027();
        days.Add(new HolidayUploadDay(new DateOnly(2027, 10, 1), HolidayKind.Work, "国庆节"));
        Assert.Equal("holiday.day_repeated", HolidayYearRules.Check(2027, days)!.Code);
    }

    [Fact]
    public void Check_ADayOfAnotherYear_OrTooFewDaysOff_OrAWeekdayMadeWorking_IsRefused()
    {
        Assert.Equal("holiday.day_outside_year", HolidayYearRules.Check(2028, Year2027())!.Code);
        Assert.Equal("holiday.year_incomplete", HolidayYearRules.Check(2027, Year2027().Take(5).ToList())!.Code);
        var weekday = Year2027();
        weekday.Add(new HolidayUploadDay(new DateOnly(2027, 10, 11), HolidayKind.Work, "调休"));   // a Monday
        Assert.Equal("holiday.work_on_weekday", HolidayYearRules.Check(2027, weekday)!.Code);
        Assert.Equal("holiday.days_required", HolidayYearRules.Check(2027, [])!.Code);
        Assert.Equal("holiday.year_invalid", HolidayYearRules.Check(1999, Year2027())!.Code);
        var unnamed = Year2027();
        unnamed[0] = unnamed[0] with { Name = " " };
        Assert.Equal("holiday.name_invalid", HolidayYearRules.Check(2027, unnamed)!.Code);
    }
}
