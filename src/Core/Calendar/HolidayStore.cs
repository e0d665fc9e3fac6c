using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Calendar;

public enum HolidayKind
{
    /// <summary>An official day off.</summary>
    Off,
    /// <summary>A weekend day that is a working day (调休).</summary>
    Work,
}

public sealed record HolidayDayRow
{
    public DateTime Day { get; init; }
    public int Year { get; init; }
    public HolidayKind Kind { get; init; }
    public string Name { get; init; } = "";
}

/// <summary>All SQL of the holiday table. The product ships 2026; an admin imports each later year.</summary>
public sealed class HolidayStore(MySqlDataSource db, TimeProvider clock)
{
    private const string DaysSql = $"""
        SELECT day AS {nameof(HolidayDayRow.Day)}, year AS {nameof(HolidayDayRow.Year)},
               kind AS {nameof(HolidayDayRow.Kind)}, name AS {nameof(HolidayDayRow.Name)}
          FROM holiday_days
        """;

    private const string YearsSql = "SELECT year FROM holiday_years";

    public async Task<HolidayTable> LoadAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var days = await conn.QueryAsync<HolidayDayRow>(new CommandDefinition(DaysSql, cancellationToken: ct));
        var years = await conn.QueryAsync<int>(new CommandDefinition(YearsSql, cancellationToken: ct));
        return new HolidayTable(
            days.ToDictionary(d => DateOnly.FromDateTime(d.Day), d => d.Kind == HolidayKind.Work),
            years.ToHashSet());
    }

    private const string DeleteYearSql = "DELETE FROM holiday_days WHERE year = @Year";

    private const string InsertDaySql = "INSERT INTO holiday_days (day, year, kind, name) VALUES (@Day, @Year, @Kind, @Name)";

    private const string UpsertYearSql = """
        INSERT INTO holiday_years (year, source, imported_at) VALUES (@Year, @Source, @Now)
        ON DUPLICATE KEY UPDATE source = VALUES(source), imported_at = VALUES(imported_at)
        """;

    /// <summary>Replaces one year's holidays and adjusted working days in one transaction (with <paramref name="alsoInTransaction"/>, e.g. its audit entry).</summary>
    public async Task ImportYearAsync(int year, IReadOnlyList<(DateOnly Day, HolidayKind Kind, string Name)> days, string? source, CancellationToken ct,
        Func<MySqlConnection, MySqlTransaction, Task>? alsoInTransaction = null)
    {
        if (days.Any(d => d.Day.Year != year))
            throw new ArgumentException($"Every day must fall in {year}.", nameof(days));
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(DeleteYearSql, new { Year = year }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(InsertDaySql,
            days.Select(d => new { Day = d.Day.ToDateTime(TimeOnly.MinValue), Year = year, Kind = d.Kind.ToString(), d.Name }), tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(UpsertYearSql, new { Year = year, Source = source, Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));
        if (alsoInTransaction is not null) await alsoInTransaction(conn, tx);
        await tx.CommitAsync(ct);
    }
}
