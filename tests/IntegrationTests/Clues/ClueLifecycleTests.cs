using SchoolSafety.Core.Clues;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Clues;

[Collection(DatabaseCollection.Name)]
public sealed class ClueLifecycleTests(CoreServices core) : IClassFixture<CoreServices>
{
    private ClueService Clues => core.Get<ClueService>();

    private async Task<ActionOutcome> ReportAsync(int school = 1, int item = 4, string? by = null)
    {
        core.Clock.SetChinaTime(2026, 11, 30);
        var reporter = await core.UserAsync(by ?? $"demo-school{school:D2}-officer");
        var outcome = await Clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = reporter, ItemNo = item, Description = "校门口有无证摊贩占道经营", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        return outcome;
    }

    private async Task<ActionOutcome> ActAsync(ActionOutcome on, ClueAction action, long? user, string? note = null,
        long? targetUser = null, int? targetItem = null, DateTime? supervisionDue = null, OutcomeKind expect = OutcomeKind.Applied)
    {
        var outcome = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = on.ClueId, Action = action, Version = on.Version!.Value, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = user is { } u ? ActorRef.User(u) : ActorRef.GridPlatform, Note = note, TargetUserId = targetUser,
            TargetItemNo = targetItem, SupervisionDueAt = supervisionDue, GridEventId = user is null ? "SPT-0001" : null,
        });
        Assert.True(expect == outcome.Kind, $"{action}: expected {expect}, got {outcome.Kind} ({outcome.Message})");
        return outcome.Kind == OutcomeKind.Applied ? outcome : on;
    }

    private Task<ClueRow> RowAsync(long id) =>
        core.QueryAsync<ClueRow>($"SELECT id AS Id, state AS State, tier AS Tier, unit_id AS UnitId, assignee_user_id AS AssigneeUserId, version AS Version, supervised AS Supervised, city_escalation_barred AS CityEscalationBarred, unrouted AS Unrouted, item_no AS ItemNo, line_code AS LineCode, due_at AS DueAt, resolved_at AS ResolvedAt FROM clues WHERE id = {id}").ContinueWith(t => t.Result.Single());

    private Task<long> EventCountAsync(long id) => core.ScalarAsync<long>("SELECT COUNT(*) FROM clue_events WHERE clue_id = @id", new { id });

    private Task<List<string>> OutboxTopicsAsync(long id) =>
        core.QueryAsync<string>("SELECT topic FROM outbox WHERE JSON_EXTRACT(payload, '$.clueId') = @id AND topic NOT LIKE 'exchange.%' ORDER BY id", new { id });   // the data exchange's rows are its tests'

    [Fact]
    public async Task Report_RoutesToTheWorkGroupMemberOfTheLine_WithEventAndOutboxRows()
    {
        var c = await ReportAsync();
        Assert.Matches(@"^XA20261130-\d{4}$", c.Number);
        var row = await RowAsync(c.ClueId);
        var member = await core.MemberAsync(1, "POL");
        Assert.Equal(ClueState.PendingAcceptance, row.State);
        Assert.Equal(Tier.WorkGroup, row.Tier);
        Assert.Equal(member, row.AssigneeUserId);
        Assert.False(row.Unrouted);
        // Accept within one working day: Monday 30 Nov 10:00 → Tuesday 1 Dec 10:00 China time.
        Assert.Equal(new DateTime(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc), row.DueAt);
        Assert.Equal(1, await EventCountAsync(c.ClueId));
        Assert.Equal(["clue.card.deliver", "clue.group.notice", "todo.clue.sync"], await OutboxTopicsAsync(c.ClueId));
        // The report's notices are written in the same batch as the clue, before its id is known to us:
        // the server fills it in, in the payload and in the card's ordering key.
        var keys = await core.QueryAsync<string?>("SELECT ordering_key FROM outbox WHERE JSON_EXTRACT(payload, '$.clueId') = @id AND topic NOT LIKE 'exchange.%' ORDER BY id", new { id = c.ClueId });
        Assert.Equal([ClueService.CardKey(c.ClueId), null, $"todo:clue:{c.ClueId}"], keys);
        var userIds = await core.QueryAsync<string>("SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.clueId') = @id", new { id = c.ClueId });
        Assert.Equal($"[{member}]", userIds.Single().Replace(" ", ""));
    }

    [Fact]
    public async Task Report_LineWithoutWorkGroupMember_IsUnroutedToTheCoLeaders_WhoReroute()
    {
        var c = await ReportAsync(item: 6);   // ECO: no member in the demo work groups
        var row = await RowAsync(c.ClueId);
        Assert.True(row.Unrouted);
        Assert.Null(row.UnitId);
        var recipients = await core.QueryAsync<string>("SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.clueId') = @id", new { id = c.ClueId });
        var leader = await core.UserAsync("demo-school01-leader");
        var grid = await core.UserAsync("demo-school01-grid");
        Assert.Equal($"[{Math.Min(leader, grid)}, {Math.Max(leader, grid)}]", recipients.Single());

        await ActAsync(c, ClueAction.Accept, await core.MemberAsync(1, "POL"), expect: OutcomeKind.NotFound);   // not theirs to see
        c = await ActAsync(c, ClueAction.Reroute, grid, note: "属于综合执法", targetItem: 18);
        row = await RowAsync(c.ClueId);
        Assert.False(row.Unrouted);
        Assert.Equal("ENF", row.LineCode);
        Assert.Equal(await core.MemberAsync(1, "ENF"), row.AssigneeUserId);
        await ActAsync(c, ClueAction.Accept, await core.MemberAsync(1, "ENF"));
    }

    [Fact]
    public async Task ReportAcceptResolve_Closes_AndNotifiesReporter()
    {
        var c = await ReportAsync();
        var member = await core.MemberAsync(1, "POL");
        c = await ActAsync(c, ClueAction.Accept, member);
        await ActAsync(c, ClueAction.Resolve, member, expect: OutcomeKind.Invalid);   // the note is required
        c = await ActAsync(c, ClueAction.Resolve, member, note: "已劝离摊贩并加强巡逻");
        var row = await RowAsync(c.ClueId);
        Assert.Equal(ClueState.Resolved, row.State);
        Assert.Equal(3, row.Version);
        Assert.NotNull(row.ResolvedAt);
        Assert.Null(row.DueAt);
        Assert.Equal(3, await EventCountAsync(c.ClueId));
        // The reporter is asked to rate it (回访) by the clue's card delivered to them, not by a text notice.
        var topics = await OutboxTopicsAsync(c.ClueId);
        Assert.DoesNotContain("clue.user.notice", topics);
        var raters = await core.QueryAsync<string>(
            "SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.clueId') = @id AND JSON_EXTRACT(payload, '$.version') = 3",
            new { id = c.ClueId });
        Assert.Equal($"[{await core.UserAsync("demo-school01-officer")}]", Assert.Single(raters).Replace(" ", ""));
    }

    [Fact]
    public async Task EscalateTwice_ThenCityReturns_UnitMustCloseIt_AndCannotEscalateAgain()
    {
        var c = await ReportAsync();
        var member = await core.MemberAsync(1, "POL");
        var district = await core.UserAsync("demo-POL-handler");
        var city = await core.UserAsync("demo-POL-city-handler");
        c = await ActAsync(c, ClueAction.Accept, member);
        await ActAsync(c, ClueAction.Escalate, member, expect: OutcomeKind.Invalid);   // a reason is required
        c = await EscalateApprovedAsync(c, member, await core.TownHeadAsync(1, "POL"), "涉及多部门，需区级协调");
        var row = await RowAsync(c.ClueId);
        Assert.Equal((ClueState.PendingAcceptance, Tier.District, (long?)null), (row.State, row.Tier, row.AssigneeUserId));

        await ActAsync(c, ClueAction.Accept, member, expect: OutcomeKind.Forbidden);   // no longer their unit
        c = await ActAsync(c, ClueAction.Accept, district);
        c = await EscalateApprovedAsync(c, district, await core.UserAsync("demo-POL-head"), "需市级部门处置");
        Assert.Equal(Tier.City, (await RowAsync(c.ClueId)).Tier);

        c = await ActAsync(c, ClueAction.Return, city, note: "不属于市级部门职责");
        row = await RowAsync(c.ClueId);
        Assert.Equal((ClueState.PendingAcceptance, Tier.District, true), (row.State, row.Tier, row.CityEscalationBarred));

        c = await ActAsync(c, ClueAction.Accept, district);
        await ActAsync(c, ClueAction.Escalate, district, note: "再次上报", expect: OutcomeKind.Refused);
        c = await ActAsync(c, ClueAction.Resolve, district, note: "区级办结");
        Assert.Equal(ClueState.Resolved, (await RowAsync(c.ClueId)).State);
        var tiers = await core.QueryAsync<string>("SELECT CONCAT(action, ':', to_tier) FROM clue_events WHERE clue_id = @id ORDER BY id", new { id = c.ClueId });
        Assert.Equal(["Report:WorkGroup", "Accept:WorkGroup", "RequestEscalation:WorkGroup", "ApproveEscalation:District", "Accept:District",
            "RequestEscalation:District", "ApproveEscalation:City", "Return:District", "Accept:District", "Resolve:District"], tiers);
    }

    private async Task<ActionOutcome> AtDistrictInProgressAsync()
    {
        var c = await ReportAsync();
        var member = await core.MemberAsync(1, "POL");
        var district = await core.UserAsync("demo-POL-handler");
        c = await ActAsync(c, ClueAction.Accept, member);
        c = await EscalateApprovedAsync(c, member, await core.TownHeadAsync(1, "POL"), "需区级处置");
        return await ActAsync(c, ClueAction.Accept, district);
    }

    /// <summary>Escalation as a request (approval is on by default) the unit's head approves.</summary>
    private async Task<ActionOutcome> EscalateApprovedAsync(ActionOutcome c, long handler, long head, string reason)
    {
        c = await ActAsync(c, ClueAction.Escalate, handler, note: reason);
        var row = await RowAsync(c.ClueId);
        Assert.Equal(ClueState.InProgress, row.State);   // the clue stays with the unit while the request waits
        return await ActAsync(c, ClueAction.ApproveEscalation, head, note: "同意");
    }

    [Fact]
    public async Task DispatchToFourPlatforms_ProposeApproveGridResultConfirm_Resolves()
    {
        var c = await AtDistrictInProgressAsync();
        var district = await core.UserAsync("demo-POL-handler");
        var head = await core.UserAsync("demo-POL-head");
        c = await ActAsync(c, ClueAction.ProposeDispatch, district, note: "需镇街协同");
        await ActAsync(c, ClueAction.ApproveDispatch, district, expect: OutcomeKind.Forbidden);   // only the head approves
        c = await ActAsync(c, ClueAction.ApproveDispatch, head);
        Assert.Contains("grid.dispatch", await OutboxTopicsAsync(c.ClueId));
        var dispatched = await RowAsync(c.ClueId);
        Assert.Equal((Tier.Grid, await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @head AND role = 'UnitHead'", new { head })),
            (dispatched.Tier, dispatched.UnitId!.Value));   // at the four platforms, with the dispatching unit kept
        await ActAsync(c, ClueAction.GridResult, district, note: "已处置", expect: OutcomeKind.Forbidden);   // only the platforms report back
        c = await ActAsync(c, ClueAction.GridResult, null, note: "镇街已完成整治");
        var row = await RowAsync(c.ClueId);
        Assert.Equal(ClueState.PendingConfirmation, row.State);
        // Confirm within two working days.
        Assert.Equal(new DateTime(2026, 12, 2, 2, 0, 0, DateTimeKind.Utc), row.DueAt);
        c = await ActAsync(c, ClueAction.ConfirmResult, district);
        Assert.Equal(ClueState.Resolved, (await RowAsync(c.ClueId)).State);
    }

    [Fact]
    public async Task RejectDispatch_ReturnsToInProgress_RejectGridResult_ReturnsToGrid()
    {
        var c = await AtDistrictInProgressAsync();
        var district = await core.UserAsync("demo-POL-handler");
        var head = await core.UserAsync("demo-POL-head");
        c = await ActAsync(c, ClueAction.ProposeDispatch, district);
        await ActAsync(c, ClueAction.RejectDispatch, head, expect: OutcomeKind.Invalid);   // a reason is required
        c = await ActAsync(c, ClueAction.RejectDispatch, head, note: "本部门可自行处置");
        Assert.Equal(ClueState.InProgress, (await RowAsync(c.ClueId)).State);

        c = await ActAsync(c, ClueAction.ProposeDispatch, district);
        c = await ActAsync(c, ClueAction.ApproveDispatch, head);
        c = await ActAsync(c, ClueAction.GridResult, null, note: "已处置");
        c = await ActAsync(c, ClueAction.RejectResult, district, note: "现场仍有隐患");
        Assert.Equal(ClueState.DispatchedToGrid, (await RowAsync(c.ClueId)).State);
        Assert.Equal(2, (await OutboxTopicsAsync(c.ClueId)).Count(t => t == "grid.dispatch"));
    }

    [Fact]
    public async Task Reroute_ByCoLeader_MovesToTheOtherLinesMember()
    {
        var c = await ReportAsync();
        var officer = await core.UserAsync("demo-school01-officer");
        var leader = await core.UserAsync("demo-school01-leader");
        await ActAsync(c, ClueAction.Reroute, officer, targetItem: 16, expect: OutcomeKind.Forbidden);
        await ActAsync(c, ClueAction.Reroute, leader, targetItem: 99, expect: OutcomeKind.Invalid);
        c = await ActAsync(c, ClueAction.Reroute, leader, note: "属于食品安全", targetItem: 16);
        var row = await RowAsync(c.ClueId);
        Assert.Equal((16, "MKT", ClueState.PendingAcceptance), (row.ItemNo, row.LineCode, row.State));
        Assert.Equal(await core.MemberAsync(1, "MKT"), row.AssigneeUserId);
    }

    [Fact]
    public async Task Supervise_ByAdminOrLineLiaison_FlagsUntilResolved()
    {
        var c = await ReportAsync();
        var admin = await core.UserAsync("demo-edu-admin");
        var otherLiaison = await core.UserAsync("demo-MKT-liaison");
        var due = core.Clock.GetUtcNow().UtcDateTime.AddDays(3);
        await ActAsync(c, ClueAction.Supervise, otherLiaison, supervisionDue: due, expect: OutcomeKind.NotFound);   // not theirs to see
        await ActAsync(c, ClueAction.Supervise, admin, expect: OutcomeKind.Invalid);   // a deadline is required
        c = await ActAsync(c, ClueAction.Supervise, admin, note: "挂牌督办", supervisionDue: due);
        Assert.True((await RowAsync(c.ClueId)).Supervised);
        var member = await core.MemberAsync(1, "POL");
        c = await ActAsync(c, ClueAction.Accept, member);
        c = await ActAsync(c, ClueAction.Resolve, member, note: "已整改");
        Assert.False((await RowAsync(c.ClueId)).Supervised);
    }

    [Fact]
    public async Task Reopen_CoLeaderWithinSevenDays_AdminAfter()
    {
        var member = await core.MemberAsync(1, "POL");
        var leader = await core.UserAsync("demo-school01-leader");
        var admin = await core.UserAsync("demo-edu-admin");

        var c = await ReportAsync();
        c = await ActAsync(c, ClueAction.Accept, member);
        c = await ActAsync(c, ClueAction.Resolve, member, note: "已处置");
        core.Clock.Now = core.Clock.Now.AddDays(6);
        c = await ActAsync(c, ClueAction.Reopen, leader, note: "问题复发");
        var row = await RowAsync(c.ClueId);
        Assert.Equal((ClueState.PendingAcceptance, Tier.WorkGroup, (DateTime?)null), (row.State, row.Tier, row.ResolvedAt));

        var d = await ReportAsync();
        d = await ActAsync(d, ClueAction.Accept, member);
        d = await ActAsync(d, ClueAction.Resolve, member, note: "已处置");
        core.Clock.Now = core.Clock.Now.AddDays(8);
        await ActAsync(d, ClueAction.Reopen, leader, note: "问题复发", expect: OutcomeKind.Forbidden);
        d = await ActAsync(d, ClueAction.Reopen, admin, note: "督查发现复发");
        Assert.Equal(ClueState.PendingAcceptance, (await RowAsync(d.ClueId)).State);
    }

    [Fact]
    public async Task Withdraw_OnlyByTheReporter_WhilePendingAcceptance()
    {
        var c = await ReportAsync();
        await ActAsync(c, ClueAction.Withdraw, await core.UserAsync("demo-school01-leader"), expect: OutcomeKind.Forbidden);
        c = await ActAsync(c, ClueAction.Withdraw, await core.UserAsync("demo-school01-officer"), note: "误报");
        Assert.Equal(ClueState.Withdrawn, (await RowAsync(c.ClueId)).State);
        await ActAsync(c, ClueAction.Accept, await core.MemberAsync(1, "POL"), expect: OutcomeKind.Refused);
    }

    [Fact]
    public async Task OtherSchoolsStaff_AndStrangers_MayNotTouchTheClue()
    {
        var c = await ReportAsync();
        await ActAsync(c, ClueAction.Comment, await core.UserAsync("demo-school02-officer"), note: "看看", expect: OutcomeKind.NotFound);
        await ActAsync(c, ClueAction.Urge, await core.MemberAsync(2, "POL") == await core.MemberAsync(1, "POL") ? await core.UserAsync("demo-school03-officer") : await core.MemberAsync(2, "POL"), expect: OutcomeKind.NotFound);
        c = await ActAsync(c, ClueAction.Urge, await core.UserAsync("demo-school01-officer"), note: "请尽快处理");
        Assert.Contains("clue.user.notice", await OutboxTopicsAsync(c.ClueId));
        Assert.Equal(1, (await RowAsync(c.ClueId)).Version);   // urge and comment change no state
    }

    [Fact]
    public async Task Stranger_ActingOnAClue_IsAnsweredAsForAMissingOne_AndLeavesNoTrace()
    {
        var c = await ReportAsync();
        var stranger = await core.UserAsync("demo-school02-officer");
        var missing = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId + 1_000_000, Action = ClueAction.Accept, Version = 1, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(stranger),
        });
        foreach (var (action, version) in new[] { (ClueAction.Accept, c.Version!.Value), (ClueAction.Accept, c.Version.Value + 5), (ClueAction.Comment, 1) })
        {
            var outcome = await Clues.ApplyAsync(new ClueCommand
            {
                ClueId = c.ClueId, Action = action, Version = version, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(stranger), Note = "看看",
            });
            // The same answer as for a clue that does not exist: existence cannot be probed, nor state, number or version learnt.
            Assert.Equal(missing with { }, outcome);
            Assert.Equal((OutcomeKind.NotFound, null, null, (int?)null), (outcome.Kind, outcome.Number, outcome.State, outcome.Version));
        }
        Assert.Equal(0, await core.ScalarAsync<long>("SELECT COUNT(*) FROM idempotency_keys WHERE scope = @scope", new { scope = $"clue:{c.ClueId}:user:{stranger}" }));
    }

    [Fact]
    public async Task StaleVersion_IsAConflictNamingTheCurrentState_AndChangesNothing()
    {
        var c = await ReportAsync();
        var member = await core.MemberAsync(1, "POL");
        var accepted = await ActAsync(c, ClueAction.Accept, member);
        var events = await EventCountAsync(c.ClueId);
        var stale = await ActAsync(c, ClueAction.Withdraw, await core.UserAsync("demo-school01-officer"), expect: OutcomeKind.Conflict);
        var outcome = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.Resolve, Version = 1, IdempotencyKey = "stale-1", Actor = ActorRef.User(member), Note = "x",
        });
        Assert.Equal(OutcomeKind.Conflict, outcome.Kind);
        Assert.Equal(ClueState.InProgress, outcome.State);
        Assert.Contains("处置中", outcome.Message);
        Assert.Equal(events, await EventCountAsync(c.ClueId));
        Assert.Equal(accepted.Version, (await RowAsync(c.ClueId)).Version);
        Assert.Equal(c.Version, stale.Version);
    }

    [Fact]
    public async Task SameIdempotencyKeyTwice_ChangesOnce_AndReturnsTheFirstOutcome()
    {
        var c = await ReportAsync();
        var cmd = new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.Accept, Version = 1, IdempotencyKey = $"card-{c.ClueId}-accept", Actor = ActorRef.User(await core.MemberAsync(1, "POL")),
        };
        var first = await Clues.ApplyAsync(cmd);
        var second = await Clues.ApplyAsync(cmd);
        Assert.Equal(OutcomeKind.Applied, first.Kind);
        Assert.False(first.Repeat);
        Assert.Equal(first with { Repeat = true }, second);
        Assert.Equal(2, await EventCountAsync(c.ClueId));
        Assert.Equal(2, (await RowAsync(c.ClueId)).Version);

        // A repeated report is one clue too.
        var report = new ReportCommand { ReporterUserId = await core.UserAsync("demo-school01-officer"), ItemNo = 4, Description = "重复提交", IdempotencyKey = "form-42" };
        var r1 = await Clues.ReportAsync(report);
        var r2 = await Clues.ReportAsync(report);
        Assert.Equal(r1.ClueId, r2.ClueId);
        Assert.Equal(r1.Number, r2.Number);
        Assert.Equal(r1.Message, r2.Message);
        Assert.True(r2.Repeat);
    }

    [Fact]
    public async Task TwentyConcurrentActions_OnOneVersion_ExactlyOneWins()
    {
        var c = await ReportAsync();
        var member = await core.MemberAsync(1, "POL");
        var head = await core.TownHeadAsync(1, "POL");
        var tasks = Enumerable.Range(0, 20).Select(i => Task.Run(() => Clues.ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.Accept, Version = 1, IdempotencyKey = $"race-{c.ClueId}-{i}",
            Actor = ActorRef.User(i % 2 == 0 ? member : head),
        }))).ToList();
        var outcomes = await Task.WhenAll(tasks);
        Assert.Single(outcomes, o => o.Kind == OutcomeKind.Applied);
        Assert.Equal(19, outcomes.Count(o => o.Kind == OutcomeKind.Conflict));
        Assert.Equal(2, await EventCountAsync(c.ClueId));
        Assert.Equal(2, (await RowAsync(c.ClueId)).Version);
    }

    [Fact]
    public async Task ConcurrentReports_GetUniqueReadableNumbers()
    {
        core.Clock.SetChinaTime(2026, 12, 3);
        var officer = await core.UserAsync("demo-school05-officer");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(() => Clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = officer, ItemNo = 16, Description = $"并发上报 {i}", IdempotencyKey = $"numbers-{Guid.NewGuid()}",
        }))));
        Assert.All(outcomes, o => Assert.Equal(OutcomeKind.Applied, o.Kind));
        Assert.Equal(30, outcomes.Select(o => o.Number).Distinct().Count());
        Assert.All(outcomes, o => Assert.Matches(@"^XA20261203-\d{4}$", o.Number));
    }

    [Fact]
    public async Task Report_SameSchoolAndItemStillOpen_NamesTheEarlierClue()
    {
        var first = await ReportAsync(school: 7, item: 17);
        var second = await ReportAsync(school: 7, item: 17);
        Assert.Equal(first.Number, second.DuplicateOf);
        Assert.Contains(first.Number!, second.Message);
    }

    [Fact]
    public async Task Report_BadInput_IsRefusedAndStoresNothing()
    {
        var officer = await core.UserAsync("demo-school01-officer");
        var before = await core.ScalarAsync<long>("SELECT COUNT(*) FROM clues");
        ReportCommand R(int item = 4, string text = "有隐患", long? school = null, long? by = null) =>
            new() { ReporterUserId = by ?? officer, ItemNo = item, Description = text, SchoolId = school, IdempotencyKey = Guid.NewGuid().ToString() };
        Assert.Equal(OutcomeKind.Invalid, (await Clues.ReportAsync(R(text: "  "))).Kind);
        Assert.Equal(OutcomeKind.Invalid, (await Clues.ReportAsync(R(item: 3))).Kind);    // not a hazard category
        Assert.Equal(OutcomeKind.Invalid, (await Clues.ReportAsync(R(item: 999))).Kind);
        var otherSchool = await core.ScalarAsync<long>("SELECT school_id FROM memberships WHERE user_id = @u", new { u = await core.UserAsync("demo-school02-officer") });
        Assert.Equal(OutcomeKind.Forbidden, (await Clues.ReportAsync(R(school: otherSchool))).Kind);   // a forged school
        Assert.Equal(OutcomeKind.Forbidden, (await Clues.ReportAsync(R(by: await core.UserAsync("demo-POL-handler")))).Kind);
        Assert.Equal(before, await core.ScalarAsync<long>("SELECT COUNT(*) FROM clues"));
    }

    [Fact]
    public async Task Reassign_ByUnitHead_ToAnotherHandlerOfTheUnit()
    {
        var c = await AtDistrictInProgressAsync();
        var head = await core.UserAsync("demo-POL-head");
        var liaison = await core.UserAsync("demo-POL-liaison");
        await ActAsync(c, ClueAction.Reassign, head, targetUser: await core.UserAsync("demo-MKT-handler"), expect: OutcomeKind.Invalid);
        c = await ActAsync(c, ClueAction.Reassign, head, targetUser: liaison);
        Assert.Equal(liaison, (await RowAsync(c.ClueId)).AssigneeUserId);
        await ActAsync(c, ClueAction.Resolve, liaison, note: "已办结");
    }

    [Fact]
    public async Task TownItem_EscalatesToTheConfiguredTaskForceOffice_AndNotToCity()
    {
        var c = await ReportAsync(item: 19);   // TOWN line: no district or city department
        var member = await core.MemberAsync(1, "TOWN");
        var officeHandler = await core.UserAsync("demo-edu-admin");
        c = await ActAsync(c, ClueAction.Accept, member);
        c = await EscalateApprovedAsync(c, member, await core.TownHeadAsync(1, "TOWN"), "需区级协调");
        Assert.Equal(Tier.District, (await RowAsync(c.ClueId)).Tier);
        c = await ActAsync(c, ClueAction.Accept, officeHandler);
        await ActAsync(c, ClueAction.Escalate, officeHandler, note: "上报市级", expect: OutcomeKind.Refused);
        // …and the office is not offered the button.
        var detail = await Clues.ReadAsync(c.ClueId, officeHandler);
        Assert.DoesNotContain(ClueAction.Escalate, detail!.AvailableActions);
        Assert.Contains(ClueAction.Resolve, detail.AvailableActions);
    }
}
