using Microsoft.Extensions.Logging.Abstractions;
using SchoolSafety.Core.Calendar;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Data;

[Collection(DatabaseCollection.Name)]
public sealed class WorkingCalendarTests(TestDatabase db)
{
    private static DateTime Cst(int y, int m, int d) => new DateTime(y, m, d, 10, 0, 0, DateTimeKind.Utc).AddHours(-8);

    [Fact]
    public async Task ShippedTable_2026_CountsHolidaysAndAdjustedWorkdays()
    {
        var table = await new HolidayStore(db.DataSource, TimeProvider.System).LoadAsync(CancellationToken.None);
        Assert.Contains(2026, table.Years);
        Assert.Equal(Cst(2026, 10, 8), table.AddWorkingDays(Cst(2026, 9, 30), 1));
        Assert.Equal(Cst(2026, 10, 10), table.AddWorkingDays(Cst(2026, 10, 9), 1));
        Assert.Equal(Cst(2026, 1, 4), table.AddWorkingDays(Cst(2025 + 1, 1, 1), 1));   // Sunday 4 Jan 2026 works
    }

    [Fact]
    public async Task ImportYear_AddsALaterYear_WithoutARelease()
    {
        var store = new HolidayStore(db.DataSource, TimeProvider.System);
        var calendar = new WorkingCalendar(store, TimeProvider.System, NullLogger<WorkingCalendar>.Instance);
        // Without a 2027 table, 1 Jan 2027 (a Friday) counts as a working day.
        Assert.Equal(Cst(2027, 1, 1), await calendar.AddWorkingDaysAsync(Cst(2026, 12, 31), 1, CancellationToken.None));
        try
        {
            await store.ImportYearAsync(2027, [(new DateOnly(2027, 1, 1), HolidayKind.Off, "元旦")], "test", CancellationToken.None);
            calendar.Invalidate();
            Assert.Equal(Cst(2027, 1, 4), await calendar.AddWorkingDaysAsync(Cst(2026, 12, 31), 1, CancellationToken.None));
            Assert.Contains(2027, (await store.LoadAsync(CancellationToken.None)).Years);
            await Assert.ThrowsAsync<ArgumentException>(() => store.ImportYearAsync(2027, [(new DateOnly(2028, 1, 1), HolidayKind.Off, "x")], null, CancellationToken.None));
        }
        finally
        {
            await store.ImportYearAsync(2027, [], null, CancellationToken.None);
            await using var conn = await db.DataSource.OpenConnectionAsync();
            await Dapper.SqlMapper.ExecuteAsync(conn, "DELETE FROM holiday_years WHERE year = 2027");
        }
    }
}
