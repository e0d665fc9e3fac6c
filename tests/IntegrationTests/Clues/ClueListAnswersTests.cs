using Dapper;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Organisation;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Clues;

/// <summary>
/// Every list's answer, proved against the rules rather than against a copy of the SQL (issue 11: the queries
/// were rewritten for speed; a person must see the same items, in the same order, with the same totals).
/// Several hundred clues with every state, tier, holder, past holder, dispatching unit, supervision and
/// tied report times are written into the demo district; then, for its staff, each scope, filter and page of
/// <see cref="ClueService.ListAsync"/> is compared with what <see cref="CluePermissions.CanSee"/> and the
/// filter allow, in the list's order (newest first, then the higher id); the chatbot's 我的待办 and 督办清单
/// with their documented rules.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ClueListAnswersTests(ClueListAnswersTests.Data data) : IClassFixture<ClueListAnswersTests.Data>
{
    private CoreServices core => data.Core;
    private List<Data.Row> rows => data.Rows;
    private Dictionary<long, HashSet<long>> pastUnits => data.PastUnits;
    private List<long> people => data.People;
    private ClueService Service => core.Get<ClueService>();
    private DateTime Now => core.Clock.GetUtcNow().UtcDateTime;

    /// <summary>The clues written once for the class (and deleted after it), with every clue in the database as the lists see them.</summary>
    public sealed class Data : IAsyncLifetime
    {
        private const int Clues = 360;
        private const string Marker = "T11-";
        private static readonly string[] States = Enum.GetNames<ClueState>();
        private static readonly string[] Tiers = Enum.GetNames<Tier>();
        public CoreServices Core { get; } = new();
        private DateTime Now => Core.Clock.GetUtcNow().UtcDateTime;

        public sealed record Row(long Id, long SchoolId, long TownId, int ItemNo, string LineCode, long ReporterUserId, DateTime CreatedAt,
            ClueState State, long? UnitId, long? AssigneeUserId, bool Unrouted, DateTime? DueAt, long? DispatchingUnitId, bool Supervised,
            DateTime? SupervisionDueAt);

        public List<Row> Rows { get; private set; } = [];
        public Dictionary<long, HashSet<long>> PastUnits { get; private set; } = [];
        public List<long> People { get; private set; } = [];

        public async Task InitializeAsync()
        {
            await Core.InitializeAsync();
            await using var conn = await Core.Db.DataSource.OpenConnectionAsync();
            var schools = (await conn.QueryAsync<(long Id, long TownId)>("SELECT id, town_id FROM schools ORDER BY id")).AsList();
            var units = (await conn.QueryAsync<long>("SELECT id FROM units ORDER BY id")).AsList();
            var users = (await conn.QueryAsync<long>("SELECT DISTINCT user_id FROM memberships ORDER BY user_id")).AsList();
            var lines = (await conn.QueryAsync<(int No, string Line)>("SELECT no, owner_line FROM worklist_items ORDER BY no")).AsList();
            var reporters = (await conn.QueryAsync<(long School, long User)>("SELECT school_id, user_id FROM memberships WHERE role = 'Reporter'")).ToLookup(r => r.School, r => r.User);
            var rng = new Random(11);
            var at = Now.AddDays(-400);
            for (var i = 0; i < Clues; i++)
            {
                if (rng.Next(10) != 0) at = at.AddMinutes(rng.Next(1, 1600));   // one in ten shares the previous report time
                var (schoolId, townId) = schools[rng.Next(schools.Count)];
                var (item, line) = lines[rng.Next(lines.Count)];
                var state = States[rng.Next(States.Length)];
                var unrouted = rng.Next(12) == 0;
                var unit = unrouted ? (long?)null : units[rng.Next(units.Count)];
                var schoolReporters = reporters[schoolId].ToList();
                var reporter = rng.Next(8) == 0 || schoolReporters.Count == 0 ? users[rng.Next(users.Count)] : schoolReporters[rng.Next(schoolReporters.Count)];
                var supervised = rng.Next(6) == 0;
                var id = await conn.ExecuteScalarAsync<long>("""
                    INSERT INTO clues (number, school_id, town_id, item_no, line_code, description, reporter_user_id, created_at, updated_at,
                                       state, tier, unit_id, assignee_user_id, unrouted, due_at, dispatching_unit_id, supervised, supervision_due_at, version)
                    VALUES (@Number, @SchoolId, @TownId, @Item, @Line, '列表测试', @Reporter, @At, @At, @State, @Tier, @Unit, @Assignee, @Unrouted,
                            @Due, @Dispatching, @Supervised, @SupervisionDue, 1);
                    SELECT LAST_INSERT_ID();
                    """, new
                {
                    Number = $"{Marker}{i:D4}-{Guid.NewGuid():N}"[..30], SchoolId = schoolId, TownId = townId, Item = item, Line = line, Reporter = reporter,
                    At = at, State = state, Tier = Tiers[rng.Next(Tiers.Length)], Unit = unit,
                    Assignee = rng.Next(3) == 0 ? (long?)null : users[rng.Next(users.Count)], Unrouted = unrouted,
                    Due = rng.Next(5) == 0 ? (DateTime?)null : Now.AddHours(rng.Next(-400, 400)),
                    Dispatching = rng.Next(8) == 0 ? units[rng.Next(units.Count)] : (long?)null,
                    Supervised = supervised, SupervisionDue = supervised && rng.Next(4) != 0 ? Now.AddHours(rng.Next(-100, 300)) : (DateTime?)null,
                });
                for (var e = 0; e < rng.Next(1, 4); e++)
                    await conn.ExecuteAsync("""
                        INSERT INTO clue_events (clue_id, action, actor_label, occurred_at, to_state, from_unit_id, to_unit_id, to_tier, version)
                        VALUES (@Id, 'Comment', '测试', @At, @State, @From, @To, 'WorkGroup', @V)
                        """, new
                    {
                        Id = id, At = at, State = state, V = e + 1,
                        From = rng.Next(3) == 0 ? units[rng.Next(units.Count)] : (long?)null, To = rng.Next(2) == 0 ? units[rng.Next(units.Count)] : (long?)null,
                    });
            }
            // Written past the product, so the lists' clue_units are recomputed from the timeline, as after a bulk load.
            await Core.Get<ClueStore>().RecordAllUnitsAsync(conn, CancellationToken.None);
            // Every clue in the database (other classes' too) is part of the answer.
            Rows = (await conn.QueryAsync<Row>("""
                SELECT id AS Id, school_id AS SchoolId, town_id AS TownId, item_no AS ItemNo, line_code AS LineCode, reporter_user_id AS ReporterUserId,
                       created_at AS CreatedAt, state AS State, unit_id AS UnitId, assignee_user_id AS AssigneeUserId, unrouted AS Unrouted,
                       due_at AS DueAt, dispatching_unit_id AS DispatchingUnitId, supervised AS Supervised, supervision_due_at AS SupervisionDueAt
                  FROM clues
                """)).AsList();
            PastUnits = (await conn.QueryAsync<(long ClueId, long Unit)>("""
                SELECT clue_id, from_unit_id FROM clue_events WHERE from_unit_id IS NOT NULL
                UNION SELECT clue_id, to_unit_id FROM clue_events WHERE to_unit_id IS NOT NULL
                """)).GroupBy(p => p.ClueId).ToDictionary(g => g.Key, g => g.Select(p => p.Unit).ToHashSet());
            People = users;
        }

        public async Task DisposeAsync()
        {
            await using (var conn = await Core.Db.DataSource.OpenConnectionAsync())
                await conn.ExecuteAsync($"""
                    DELETE e FROM clue_events e JOIN clues c ON c.id = e.clue_id WHERE c.number LIKE '{Marker}%';
                    DELETE FROM clues WHERE number LIKE '{Marker}%';
                    """);
            await Core.DisposeAsync();
        }
    }

    private async Task<IReadOnlyList<MembershipRow>> MembershipsAsync(long user)
    {
        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        return await core.Get<OrganisationStore>().MembershipsAsync(conn, null, user, CancellationToken.None);
    }

    private static ClueRow AsClue(Data.Row r) => new()
    {
        Id = r.Id, SchoolId = r.SchoolId, LineCode = r.LineCode, ReporterUserId = r.ReporterUserId, UnitId = r.UnitId,
        AssigneeUserId = r.AssigneeUserId, DispatchingUnitId = r.DispatchingUnitId,
    };

    /// <summary>What the rules say this person's list holds, in its order.</summary>
    private List<Data.Row> Expected(long user, IReadOnlyList<MembershipRow> m, ClueFilter f)
    {
        var v = ClueVisibility.Of(user, m);
        return rows
            .Where(r => CluePermissions.CanSee(CluePermissions.RelationOf(user, m, AsClue(r), pastUnits.GetValueOrDefault(r.Id) ?? [])))
            .Where(r => f.Scope switch
            {
                ClueListScope.Mine => r.ReporterUserId == user || r.AssigneeUserId == user,
                ClueListScope.School => v.Schools.Contains(r.SchoolId),
                ClueListScope.Unit => r.UnitId is { } u && v.Units.Contains(u),
                ClueListScope.Todo => r.State.IsOpen() && (r.AssigneeUserId == user
                    || (r.UnitId is { } held && v.Units.Contains(held) && r.AssigneeUserId is null)
                    || (r.State == ClueState.PendingReview && m.Any(x => x.Role == Role.UnitHead && x.UnitId == r.UnitId))
                    || (r.State == ClueState.PendingConfirmation && r.DispatchingUnitId is { } d && v.Units.Contains(d))
                    || (r.Unrouted && m.Any(x => x.Role == Role.CoLeader && x.SchoolId == r.SchoolId))),
                _ => true,
            })
            .Where(r => (f.State is null || r.State == f.State) && (f.ItemNo is null || r.ItemNo == f.ItemNo)
                && (f.TownId is null || r.TownId == f.TownId) && (f.SchoolId is null || r.SchoolId == f.SchoolId)
                && (!f.Overdue || (r.DueAt < Now && r.State.IsOpen())) && (!f.Supervised || r.Supervised)
                && (f.From is null || r.CreatedAt >= f.From) && (f.To is null || r.CreatedAt < f.To))
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .ToList();
    }

    private async Task AssertListAsync(long user, IReadOnlyList<MembershipRow> m, ClueFilter f,
        Func<ClueFilter, Task<(IReadOnlyList<ClueSummary> Items, long Total)>>? list = null)
    {
        var expected = Expected(user, m, f);
        var (items, total) = await (list ?? (x => Service.ListAsync(user, x)))(f);
        var page = expected.Skip((f.Page - 1) * f.PageSize).Take(f.PageSize).Select(r => r.Id).ToList();
        Assert.True(page.SequenceEqual(items.Select(i => i.Id)), $"user {user}, {f}: expected [{string.Join(',', page)}], got [{string.Join(',', items.Select(i => i.Id))}]");
        Assert.True(m.Count == 0 ? total == 0 : total == expected.Count, $"user {user}, {f}: total {total}, expected {expected.Count}");
    }

    [Fact]
    public async Task EveryPersonsWholeList_FirstAndSecondPage_IsWhatTheyMaySee_NewestFirst()
    {
        foreach (var user in people)
        {
            var m = await MembershipsAsync(user);
            await AssertListAsync(user, m, new ClueFilter { PageSize = 7 });
            await AssertListAsync(user, m, new ClueFilter { PageSize = 7, Page = 2 });
        }
    }

    [Fact]
    public async Task EveryPersonsList_CountedBeforeThePage_IsTheSameAnswer()
    {
        // Pages up to the 1,000th clue are read in the count's round trip; later ones after it: both ways, the rules' answer.
        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        var store = core.Get<ClueStore>();
        foreach (var user in people)
        {
            var m = await MembershipsAsync(user);
            if (m.Count == 0) continue;   // the service answers nothing without memberships; the store is not asked
            foreach (var f in new[] { new ClueFilter { PageSize = 7 }, new ClueFilter { PageSize = 7, Page = 2 }, new ClueFilter { Scope = ClueListScope.Unit, PageSize = 5 },
                         new ClueFilter { PageSize = 50, Page = 40 } })
                await AssertListAsync(user, m, f, x => store.ListAsync(conn, ClueVisibility.Of(user, m), x, Now, batchedPageEnd: 0, CancellationToken.None));
        }
    }

    [Fact]
    public async Task EveryScopeAndFilter_ForASampleOfStaff_IsTheRulesAnswer()
    {
        var rng = new Random(5);
        var sample = people.OrderBy(_ => rng.Next()).Take(30).ToList();
        var school = rows[0].SchoolId;
        var town = rows[1].TownId;
        var from = rows.Min(r => r.CreatedAt).AddDays(100);
        var to = from.AddDays(150);
        ClueFilter[] filters =
        [
            new(), new() { State = ClueState.InProgress }, new() { State = ClueState.Resolved }, new() { ItemNo = 4 }, new() { TownId = town },
            new() { SchoolId = school }, new() { Overdue = true }, new() { Supervised = true }, new() { From = from, To = to },
            new() { Overdue = true, Supervised = true, PageSize = 3 }, new() { PageSize = 5, Page = 3 }, new() { PageSize = 100 },
        ];
        foreach (var user in sample)
        {
            var m = await MembershipsAsync(user);
            foreach (var scope in Enum.GetValues<ClueListScope>())
                foreach (var f in filters)
                    await AssertListAsync(user, m, f with { Scope = scope });
        }
    }

    [Fact]
    public async Task APersonOfSeveralUnits_SeesEachClueOnce_WithOrWithoutALine()
    {
        // No one in the demo district works for two units: memberships made up here (not written), for the store's
        // branches of several units (a clue their timelines share is there once for each unit) and the liaison's counts.
        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        var store = core.Get<ClueStore>();
        var shared = pastUnits.Values.Where(u => u.Count >= 2).SelectMany(u => u).GroupBy(u => u).OrderByDescending(g => g.Count()).Select(g => g.Key).Take(3).ToList();
        Assert.Equal(3, shared.Count);
        const long nobody = -1;
        List<MembershipRow> units = [new() { UserId = nobody, Role = Role.Handler, UnitId = shared[0] }, new() { UserId = nobody, Role = Role.UnitHead, UnitId = shared[1] },
            new() { UserId = nobody, Role = Role.Handler, UnitId = shared[2] }];
        List<MembershipRow> withLine = [.. units, new() { UserId = nobody, Role = Role.Liaison, UnitId = shared[0], UnitLineCode = "POL" }];
        foreach (var m in new[] { units, withLine })
            foreach (var f in new[] { new ClueFilter { PageSize = 7 }, new ClueFilter { PageSize = 7, Page = 3 }, new ClueFilter { PageSize = 100 },
                         new ClueFilter { State = ClueState.InProgress }, new ClueFilter { Overdue = true, PageSize = 5 }, new ClueFilter { PageSize = 50, Page = 40 } })
                foreach (var batched in new[] { 0, 1_000 })
                    await AssertListAsync(nobody, m, f, x => store.ListAsync(conn, ClueVisibility.Of(nobody, m), x, Now, batched, CancellationToken.None));
    }

    [Fact]
    public async Task TheAdmin_SeesEverything_AtAnyPage_AndAPagePastTheEndIsEmpty()
    {
        var admin = await core.UserAsync("demo-edu-admin");
        var m = await MembershipsAsync(admin);
        Assert.Equal(rows.Count, Expected(admin, m, new ClueFilter()).Count);
        foreach (var page in new[] { 1, 2, 7, 50 })
            await AssertListAsync(admin, m, new ClueFilter { Page = page, PageSize = 9 });
        var (items, total) = await Service.ListAsync(admin, new ClueFilter { Page = 1_000_000, PageSize = 100 });
        Assert.Empty(items);
        Assert.Equal(rows.Count, total);
    }

    [Fact]
    public async Task ToDo_IsEveryOpenDutyOfThePerson_SoonestDueFirst()
    {
        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        var store = core.Get<ClueStore>();
        foreach (var user in people)
        {
            var m = await MembershipsAsync(user);
            bool In(long? unit, params Role[] roles) => unit is { } u && m.Any(x => x.UnitId == u && roles.Contains(x.Role));
            var expected = rows
                .Where(r => r.State.IsOpen() && (r.AssigneeUserId == user
                    || (r.AssigneeUserId is null && In(r.UnitId, Role.Handler, Role.UnitHead))
                    || (r.State == ClueState.PendingReview && In(r.UnitId, Role.UnitHead))
                    || (r.State == ClueState.PendingConfirmation && In(r.DispatchingUnitId, Role.Handler, Role.UnitHead))
                    || (r.Unrouted && m.Any(x => x.Role == Role.CoLeader && x.SchoolId == r.SchoolId))))
                .OrderBy(r => r.DueAt is null).ThenBy(r => r.DueAt).ThenBy(r => r.Id)
                .Take(12).Select(r => r.Id).ToList();
            var got = (await store.ToDoAsync(conn, user, 12, CancellationToken.None)).Select(i => i.Id).ToList();
            Assert.True(expected.SequenceEqual(got), $"user {user}: expected [{string.Join(',', expected)}], got [{string.Join(',', got)}]");
        }
    }

    [Fact]
    public async Task SupervisionList_InEveryScope_IsTheOpenSupervisedClues_SoonestDeadlineFirst()
    {
        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        var store = core.Get<ClueStore>();
        var someUnits = rows.Where(r => r.UnitId is not null).Select(r => r.UnitId!.Value).Distinct().Take(4).ToList();
        (ClueScope Scope, IReadOnlyList<long>? Units)[] cases =
        [
            (ClueScope.District, null), (new ClueScope(rows[0].SchoolId, null), null), (new ClueScope(null, "POL"), null),
            (new ClueScope(null, "TOWN"), null), (ClueScope.District, someUnits), (new ClueScope(rows[2].SchoolId, null), someUnits), (ClueScope.District, []),
        ];
        foreach (var (scope, units) in cases)
        {
            var expected = rows
                .Where(r => r.Supervised && r.State.IsOpen() && (scope.SchoolId is null || r.SchoolId == scope.SchoolId)
                    && (scope.LineCode is null || r.LineCode == scope.LineCode) && (units is null || (r.UnitId is { } u && units.Contains(u))))
                .OrderBy(r => r.SupervisionDueAt is null).ThenBy(r => r.SupervisionDueAt).ThenBy(r => r.Id)
                .Take(10).Select(r => r.Id).ToList();
            var got = (await store.SupervisedAsync(conn, scope, units, 10, CancellationToken.None)).Select(i => i.Id).ToList();
            Assert.True(expected.SequenceEqual(got), $"{scope} units {units?.Count}: expected [{string.Join(',', expected)}], got [{string.Join(',', got)}]");
        }
    }
}
