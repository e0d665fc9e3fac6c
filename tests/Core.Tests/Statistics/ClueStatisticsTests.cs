using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Statistics;

namespace SchoolSafety.Core.Tests.Statistics;

public sealed class ClueStatisticsTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 2, 0, 0, DateTimeKind.Utc);

    private static ClueFact Fact(long school, int item, DateTime at, ClueState state = ClueState.PendingAcceptance, DateTime? resolved = null) =>
        new() { SchoolId = school, ItemNo = item, CreatedAt = at, UpdatedAt = resolved ?? at, State = state, ResolvedAt = resolved };

    [Fact]
    public void Percentile_InterpolatesBetweenRanks()
    {
        Assert.Null(ClueStatistics.Percentile([], 0.5));
        Assert.Equal(7, ClueStatistics.Percentile([7], 0.9));
        Assert.Equal(2.5, ClueStatistics.Percentile([4, 1, 3, 2], 0.5));
        Assert.Equal(9.1, ClueStatistics.Percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)!.Value, 6);
    }

    [Fact]
    public void Summarise_HotSpots_LookBack90DaysFromThePeriodEnd_NotJustThePeriod()
    {
        // A 10-day period holding one clue; two more of the same school and item came 30 and 60 days before it.
        var end = new DateOnly(2026, 6, 30);
        var inPeriod = Fact(1, 5, ClueStatistics.StartUtc(end.AddDays(-3)));
        var earlier = new[] { Fact(1, 5, ClueStatistics.StartUtc(end.AddDays(-33))), Fact(1, 5, ClueStatistics.StartUtc(end.AddDays(-63))) };
        var summary = ClueStatistics.Summarise([inPeriod], end.AddDays(-9), end, ClueStatistics.StartUtc(end.AddDays(1)), [.. earlier, inPeriod]);
        Assert.Equal(3, Assert.Single(summary.HotSpots).Count);
        Assert.Empty(ClueStatistics.Summarise([inPeriod], end.AddDays(-9), end, ClueStatistics.StartUtc(end.AddDays(1))).HotSpots);
    }

    [Fact]
    public void HotSpots_ThreeWithin90Days_SameSchoolAndItem()
    {
        var spots = ClueStatistics.HotSpots([
            Fact(1, 5, T0), Fact(1, 5, T0.AddDays(40)), Fact(1, 5, T0.AddDays(90)),     // three within 90 days
            Fact(2, 5, T0), Fact(2, 5, T0.AddDays(50)), Fact(2, 5, T0.AddDays(91)),     // 91 days apart: never three in a window
            Fact(3, 5, T0), Fact(3, 6, T0), Fact(3, 7, T0),                             // different items
        ]);
        var spot = Assert.Single(spots);
        Assert.Equal((1L, 5, 3), (spot.SchoolId, spot.ItemNo, spot.Count));
    }

    [Fact]
    public void OpenByDay_CountsOpenAtEachDaysEnd()
    {
        var day = new DateOnly(2026, 1, 1);
        var facts = new[]
        {
            Fact(1, 5, T0, ClueState.Resolved, T0.AddDays(1)),   // open on 1-01 only
            Fact(1, 5, T0.AddDays(1)),                             // open from 1-02
        };
        var series = ClueStatistics.OpenByDay(facts, day, day.AddDays(2), T0.AddDays(10));
        Assert.Equal([1, 1, 1], series.Select(d => d.Open).ToArray());
        Assert.Equal(day.AddDays(2), series[^1].Day);
    }

    [Fact]
    public void OpenByDay_IsEachDaysCountByDefinition_ForManyClues()
    {
        // Issue 11 counts from sorted times; the answer must be the definition's, day by day: reported before the
        // day's end (or now) and not closed before it. Reports, resolutions and withdrawals at random, some at
        // the exact day boundary, some resolved with no resolution time (closed at their last update).
        var rng = new Random(3);
        var from = new DateOnly(2026, 3, 1);
        var to = new DateOnly(2026, 4, 30);
        var now = ClueStatistics.StartUtc(to) + TimeSpan.FromHours(5);   // the last day is today
        var facts = Enumerable.Range(0, 3000).Select(i =>
        {
            var at = ClueStatistics.StartUtc(from.AddDays(rng.Next(-40, 62))) + (rng.Next(4) == 0 ? TimeSpan.Zero : TimeSpan.FromMinutes(rng.Next(1440)));
            var closedAt = at + TimeSpan.FromHours(rng.Next(0, 24 * 30));
            return (rng.Next(3)) switch
            {
                0 => Fact(1, 5, at),
                1 => Fact(1, 5, at, ClueState.Resolved, rng.Next(5) == 0 ? null : closedAt) with { UpdatedAt = closedAt },
                _ => Fact(1, 5, at, ClueState.Withdrawn) with { UpdatedAt = closedAt },
            };
        }).ToList();
        var series = ClueStatistics.OpenByDay(facts, from, to, now);
        for (var d = from; d <= to; d = d.AddDays(1))
        {
            var end = ClueStatistics.StartUtc(d.AddDays(1));
            if (end > now) end = now;
            Assert.Equal(facts.Count(f => f.CreatedAt < end && (f.ClosedAt is not { } c || c >= end)), series[d.DayNumber - from.DayNumber].Open);
        }
    }

    [Fact]
    public void Scope_AdminAll_DistrictStaffTheirLine_CoLeaderTheirSchool_ReporterNothing()
    {
        Assert.Equal(new StatisticsScope(null, null), StatisticsScope.For(new Actor(1, [new ActorMembership { Role = Role.EduAdmin }])));
        var pol = StatisticsScope.For(new Actor(2, [new ActorMembership { Role = Role.Handler, UnitId = 3, LineCode = "POL", UnitLevel = UnitLevel.District }]))!;
        Assert.Equal(["POL"], pol.Lines!);
        Assert.Null(StatisticsScope.For(new Actor(3, [new ActorMembership { Role = Role.Handler, UnitId = 4, LineCode = "POL", UnitLevel = UnitLevel.Town }])));
        Assert.Equal([9L], StatisticsScope.For(new Actor(4, [new ActorMembership { Role = Role.CoLeader, SchoolId = 9 }]))!.Schools!);
        Assert.Null(StatisticsScope.For(new Actor(5, [new ActorMembership { Role = Role.Reporter, SchoolId = 9 }])));
    }
}
