using System.Globalization;
using MySqlConnector;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Calendar;

/// <summary>One row of an uploaded year: a date, whether it is a day off or an adjusted working day (调休), and its holiday's name.</summary>
public sealed record HolidayUploadDay(DateOnly Date, HolidayKind Kind, string? Name);

/// <summary>The checks on an uploaded year's table, pure: each failure a Chinese sentence with a stable code.</summary>
public static class HolidayYearRules
{
    public const int MinYear = 2020, MaxYear = 2100;

    /// <summary>The State Council's yearly notice names at least the 11 statutory days off; a table with fewer is not a whole year.</summary>
    public const int MinDaysOff = 11;

    public const int MaxNameLength = 32;

    public static Failure? Check(int year, IReadOnlyList<HolidayUploadDay>? days)
    {
        if (year is < MinYear or > MaxYear)
            return Failure.Invalid("holiday.year_invalid", $"年份应在 {MinYear} 到 {MaxYear} 之间");
        if (days is null || days.Count == 0)
            return Failure.Invalid("holiday.days_required", "请上传这一年的节假日和调休工作日");
        if (days.FirstOrDefault(d => d.Date.Year != year) is { } other)
            return Failure.Invalid("holiday.day_outside_year", $"{Format(other.Date)} 不在 {year} 年内");
        if (days.GroupBy(d => d.Date).FirstOrDefault(g => g.Count() > 1) is { } twice)
            return Failure.Invalid("holiday.day_repeated", $"{Format(twice.Key)} 出现了不止一次");
        if (days.FirstOrDefault(d => string.IsNullOrWhiteSpace(d.Name) || d.Name.Trim().Length > MaxNameLength) is { } unnamed)
            return Failure.Invalid("holiday.name_invalid", $"{Format(unnamed.Date)} 请填写节日名称（不超过 {MaxNameLength} 个字）");
        if (days.FirstOrDefault(d => d.Kind == HolidayKind.Work && d.Date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) is { } weekday)
            return Failure.Invalid("holiday.work_on_weekday", $"{Format(weekday.Date)} 是工作日，调休上班只能是周六或周日");
        var off = days.Count(d => d.Kind == HolidayKind.Off);
        if (off < MinDaysOff)
            return Failure.Invalid("holiday.year_incomplete", $"这一年的放假日只有 {off} 天，应不少于 {MinDaysOff} 天，请上传全年的安排");
        return null;
    }

    private static string Format(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>The admin's upload of a year's holiday table: checked, stored in one transaction, audited, and in effect at once here.</summary>
public sealed class HolidayYearUpload(MySqlDataSource db, HolidayStore holidays, OrganisationStore org, AuditStore audit, WorkingCalendar calendar)
{
    public async Task<Outcome<int>> UploadAsync(long actorId, int year, IReadOnlyList<HolidayUploadDay>? days, string? source, CancellationToken ct)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
            if (!(await org.ActorAsync(conn, actorId, ct)).IsEduAdmin) return Failure.Forbidden("仅区教育局管理员可以上传节假日安排");
        if (HolidayYearRules.Check(year, days) is { } bad) return bad;
        if (source is { Length: > 300 }) return Failure.Invalid("holiday.source_too_long", "来源说明不能超过 300 个字");
        await holidays.ImportYearAsync(year, days!.Select(d => (d.Date, d.Kind, d.Name!.Trim())).ToList(), source, ct,
            (conn, tx) => audit.RecordAsync(conn, tx, [new AuditEntry(actorId, AuditAction.AdminChange, "holiday_year",
                year.ToString(CultureInfo.InvariantCulture), $"upload days={days!.Count} off={days.Count(d => d.Kind == HolidayKind.Off)}")], ct));
        calendar.Invalidate();
        return days!.Count;
    }
}
