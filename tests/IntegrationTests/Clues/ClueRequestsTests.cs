using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Organisation;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Clues;

/// <summary>Issue 9: escalation and extension requests, the follow-up rating, and the spec's corrections, on the real MariaDB.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ClueRequestsTests(CoreServices core) : IClassFixture<CoreServices>
{
    private ClueService Clues => core.Get<ClueService>();

    private async Task<ActionOutcome> ReportAsync(int school = 1, int item = 4)
    {
        core.Clock.SetChinaTime(2026, 11, 30);
        var outcome = await Clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = await core.UserAsync($"demo-school{school:D2}-officer"), ItemNo = item, Description = "校门口有无证摊贩占道经营",
            IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        return outcome;
    }

    private async Task<ActionOutcome> ActAsync(ActionOutcome on, ClueAction action, long user, string? note = null, OutcomeKind expect = OutcomeKind.Applied,
        int? targetItem = null, DateTime? newDue = null, ClueRating? rating = null, bool noVersion = false)
    {
        var outcome = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = on.ClueId, Action = action, Version = noVersion ? null : on.Version, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = ActorRef.User(user), Note = note, TargetItemNo = targetItem, NewDueAt = newDue, Rating = rating,
        });
        Assert.True(expect == outcome.Kind, $"{action}: expected {expect}, got {outcome.Kind} ({outcome.Code}: {outcome.Message})");
        return outcome.Kind == OutcomeKind.Applied ? outcome : on;
    }

    private sealed record Row(ClueState State, Tier Tier, long? UnitId, DateTime? DueAt, string? PendingRequest, int ExtensionsAtTier,
        long? EscalatedFromUnitId, bool CityEscalationBarred, string? Rating, bool Redo, int ItemNo);

    private async Task<Row> RowAsync(long id) => (await core.QueryAsync<Row>("""
        SELECT state AS State, tier AS Tier, unit_id AS UnitId, due_at AS DueAt, pending_request AS PendingRequest,
               extensions_at_tier AS ExtensionsAtTier, escalated_from_unit_id AS EscalatedFromUnitId,
               city_escalation_barred AS CityEscalationBarred, rating AS Rating, redo AS Redo, item_no AS ItemNo
          FROM clues WHERE id = @id
        """, new { id })).Single();

    private Task<List<string>> TimelineAsync(long id) =>
        core.QueryAsync<string>("SELECT CONCAT(action, ':', to_state, IFNULL(CONCAT(':', note), '')) FROM clue_events WHERE clue_id = @id ORDER BY id", new { id });

    private async Task<(ActionOutcome Clue, long Member, long Head)> AcceptedAsync(int school = 1, int item = 4, string line = "POL")
    {
        var c = await ReportAsync(school, item);
        var member = await core.MemberAsync(school, line);
        c = await ActAsync(c, ClueAction.Accept, member);
        return (c, member, await core.TownHeadAsync(school, line));
    }

    /// <summary>A police clue escalated by the work-group member and approved by their head: pending acceptance at District.</summary>
    private async Task<ActionOutcome> AtDistrictAsync(int school)
    {
        var (c, member, townHead) = await AcceptedAsync(school);
        c = await ActAsync(c, ClueAction.Escalate, member, note: "需区级");
        return await ActAsync(c, ClueAction.ApproveEscalation, townHead);
    }

    /// <summary>A second head in the unit holding the clue (so a head's own request has someone else to answer it); removed by <see cref="RemoveHeadAsync"/>.</summary>
    private async Task<long> SecondHeadAsync(long unitId, string name)
    {
        var id = await core.ScalarAsync<long>("""
            INSERT INTO users (dingtalk_user_id, name, active, created_at, updated_at) VALUES (@d, @name, 1, NOW(6), NOW(6));
            SELECT LAST_INSERT_ID();
            """, new { d = $"test-{Guid.NewGuid():N}"[..30], name });
        await core.ScalarAsync<long>("INSERT INTO memberships (user_id, role, unit_id, school_id, created_at) VALUES (@id, 'UnitHead', @unitId, 0, NOW(6)); SELECT 1", new { id, unitId });
        return id;
    }

    private Task RemoveHeadAsync(long id) =>
        core.ScalarAsync<long>("DELETE FROM memberships WHERE user_id = @id; UPDATE users SET active = 0 WHERE id = @id; SELECT 1", new { id });

    // ------------------------------------------------------------------ escalation

    [Fact]
    public async Task Escalation_Requested_StaysWithTheUnit_ThenApproved_GoesUp()
    {
        var (c, member, head) = await AcceptedAsync();
        var unit = (await RowAsync(c.ClueId)).UnitId;
        c = await ActAsync(c, ClueAction.Escalate, member, note: "涉及多部门");
        var row = await RowAsync(c.ClueId);
        Assert.Equal((ClueState.InProgress, Tier.WorkGroup, unit, "Escalation"), (row.State, row.Tier, row.UnitId, row.PendingRequest));
        Assert.Equal("已申请上报上级，等待负责人审批", c.Message);
        await ActAsync(c, ClueAction.ApproveEscalation, member, expect: OutcomeKind.Forbidden);   // never the requester
        await ActAsync(c, ClueAction.RequestExtension, member, note: "再等等", newDue: core.Clock.GetUtcNow().UtcDateTime.AddDays(20), expect: OutcomeKind.Refused);   // one request at a time
        c = await ActAsync(c, ClueAction.ApproveEscalation, head);
        row = await RowAsync(c.ClueId);
        Assert.Equal((ClueState.PendingAcceptance, Tier.District, (string?)null, unit), (row.State, row.Tier, row.PendingRequest, row.EscalatedFromUnitId));
        Assert.Equal(["Report:PendingAcceptance", "Accept:InProgress", "RequestEscalation:InProgress:涉及多部门", "ApproveEscalation:PendingAcceptance"],
            await TimelineAsync(c.ClueId));
    }

    [Fact]
    public async Task Escalation_Rejected_Stays_WithTheReason_AndTheRequesterIsTold()
    {
        var (c, member, head) = await AcceptedAsync(school: 2);
        c = await ActAsync(c, ClueAction.Escalate, member, note: "需区级协调");
        await ActAsync(c, ClueAction.RejectEscalation, head, expect: OutcomeKind.Invalid);   // a reason is required
        c = await ActAsync(c, ClueAction.RejectEscalation, head, note: "本单位可以处置");
        var row = await RowAsync(c.ClueId);
        Assert.Equal((ClueState.InProgress, Tier.WorkGroup, (string?)null), (row.State, row.Tier, row.PendingRequest));
        Assert.EndsWith("RejectEscalation:InProgress:本单位可以处置", (await TimelineAsync(c.ClueId)).Last());
        Assert.Equal(1, await core.ScalarAsync<long>("""
            SELECT COUNT(*) FROM outbox WHERE topic = 'clue.user.notice' AND JSON_EXTRACT(payload, '$.clueId') = @id
               AND JSON_EXTRACT(payload, '$.kind') = 'reject_escalation' AND JSON_CONTAINS(JSON_EXTRACT(payload, '$.userIds'), CONCAT('', @member))
            """, new { id = c.ClueId, member }));
    }

    [Fact]
    public async Task Escalation_ByTheUnitsOnlyHead_GoesUpAtOnce()
    {
        var c = await ReportAsync(school: 3);
        var head = await core.TownHeadAsync(3, "POL");
        c = await ActAsync(c, ClueAction.Accept, head);
        c = await ActAsync(c, ClueAction.Escalate, head, note: "需区级处置");
        var row = await RowAsync(c.ClueId);
        Assert.Equal((ClueState.PendingAcceptance, Tier.District, (string?)null), (row.State, row.Tier, row.PendingRequest));
        Assert.Equal("Escalate:PendingAcceptance:需区级处置", (await TimelineAsync(c.ClueId)).Last());
    }

    // ------------------------------------------------------------------ extension

    [Fact]
    public async Task Extension_Approved_MovesTheDueTime_ThenRejected_ThenRefusedTheThirdTime()
    {
        var (c, member, head) = await AcceptedAsync(school: 4);
        var due = (await RowAsync(c.ClueId)).DueAt!.Value;
        await ActAsync(c, ClueAction.RequestExtension, member, newDue: due.AddDays(3), expect: OutcomeKind.Invalid);   // a reason is required
        await ActAsync(c, ClueAction.RequestExtension, member, note: "需等待检测结果", newDue: due.AddDays(-1), expect: OutcomeKind.Invalid);   // earlier than now due
        c = await ActAsync(c, ClueAction.RequestExtension, member, note: "需等待检测结果", newDue: due.AddDays(3));
        Assert.Equal((due, "Extension"), ((await RowAsync(c.ClueId)).DueAt!.Value, (await RowAsync(c.ClueId)).PendingRequest));
        await ActAsync(c, ClueAction.ApproveExtension, member, expect: OutcomeKind.Forbidden);
        c = await ActAsync(c, ClueAction.ApproveExtension, head);
        var row = await RowAsync(c.ClueId);
        Assert.Equal((due.AddDays(3), 1, (string?)null), (row.DueAt!.Value, row.ExtensionsAtTier, row.PendingRequest));

        c = await ActAsync(c, ClueAction.RequestExtension, member, note: "仍需时间", newDue: due.AddDays(5));
        await ActAsync(c, ClueAction.RejectExtension, head, expect: OutcomeKind.Invalid);   // a reason is required
        c = await ActAsync(c, ClueAction.RejectExtension, head, note: "请按期办结");
        row = await RowAsync(c.ClueId);
        Assert.Equal((due.AddDays(3), 1, (string?)null), (row.DueAt!.Value, row.ExtensionsAtTier, row.PendingRequest));

        c = await ActAsync(c, ClueAction.RequestExtension, member, note: "第二次", newDue: due.AddDays(6));
        c = await ActAsync(c, ClueAction.ApproveExtension, head);
        Assert.Equal(2, (await RowAsync(c.ClueId)).ExtensionsAtTier);
        var third = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.RequestExtension, Version = c.Version, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = ActorRef.User(member), Note = "第三次", NewDueAt = due.AddDays(9),
        });
        Assert.Equal((OutcomeKind.Refused, "本环节已延期 2 次，不能再申请延期"), (third.Kind, third.Message));
        Assert.Contains("ApproveExtension:InProgress:办理期限延至", (await TimelineAsync(c.ClueId))[3]);
    }

    [Fact]
    public async Task Extension_AHeadsOwnRequest_IsNotTheirsToApprove()
    {
        var c = await ReportAsync(school: 5);
        var head = await core.TownHeadAsync(5, "POL");
        c = await ActAsync(c, ClueAction.Accept, head);
        var due = (await RowAsync(c.ClueId)).DueAt!.Value;
        // The unit's only head has nobody to ask.
        await ActAsync(c, ClueAction.RequestExtension, head, note: "需协调", newDue: due.AddDays(2), expect: OutcomeKind.Invalid);
        var other = await SecondHeadAsync((await RowAsync(c.ClueId)).UnitId!.Value, "副所长");
        try
        {
            c = await ActAsync(c, ClueAction.RequestExtension, head, note: "需协调", newDue: due.AddDays(2));
            await ActAsync(c, ClueAction.ApproveExtension, head, expect: OutcomeKind.Forbidden);
            Assert.DoesNotContain(ClueAction.ApproveExtension, (await Clues.ReadAsync(c.ClueId, head))!.AvailableActions);
            Assert.Contains(ClueAction.ApproveExtension, (await Clues.ReadAsync(c.ClueId, other))!.AvailableActions);
            await ActAsync(c, ClueAction.ApproveExtension, other);
        }
        finally
        {
            await RemoveHeadAsync(other);
        }
    }

    // ------------------------------------------------------------------ 回访

    private async Task<(ActionOutcome Clue, long Member, long Reporter)> ResolvedAsync(int school, (int Y, int M, int D)? at = null)
    {
        var (c, member, _) = await AcceptedAsync(school);
        if (at is { } day) core.Clock.SetChinaTime(day.Y, day.M, day.D);
        c = await ActAsync(c, ClueAction.Resolve, member, note: "已劝离摊贩");
        return (c, member, await core.UserAsync($"demo-school{school:D2}-officer"));
    }

    [Theory]
    [InlineData(ClueRating.Satisfied, null)]
    [InlineData(ClueRating.Basic, null)]
    [InlineData(ClueRating.Unsatisfied, "摊贩又回来了")]
    public async Task Rate_EachKind_IsRecorded_OnlyOnce(ClueRating rating, string? reason)
    {
        var (c, member, reporter) = await ResolvedAsync(school: 6);
        await ActAsync(c, ClueAction.Rate, member, rating: ClueRating.Satisfied, expect: OutcomeKind.Forbidden);   // the reporter's to rate
        if (rating == ClueRating.Unsatisfied)
            await ActAsync(c, ClueAction.Rate, reporter, rating: rating, expect: OutcomeKind.Invalid);   // a reason is required
        c = await ActAsync(c, ClueAction.Rate, reporter, note: reason, rating: rating);
        var row = await RowAsync(c.ClueId);
        Assert.Equal(rating.ToString(), row.Rating);
        if (rating == ClueRating.Unsatisfied)
        {
            // 不满意 within 7 days: 重办 at the unit that resolved it, flagged.
            Assert.Equal((ClueState.PendingAcceptance, Tier.WorkGroup, true), (row.State, row.Tier, row.Redo));
            Assert.Equal(await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @member AND role = 'Handler'", new { member }), row.UnitId);
            Assert.Equal("Redo:PendingAcceptance:不满意：摊贩又回来了", (await TimelineAsync(c.ClueId)).Last());
        }
        else
        {
            Assert.Equal((ClueState.Resolved, false), (row.State, row.Redo));
            await ActAsync(c, ClueAction.Rate, reporter, rating: ClueRating.Basic, expect: OutcomeKind.Refused);   // once
        }
    }

    [Fact]
    public async Task Rate_UnsatisfiedMoreThanSevenDaysAfterTheResolve_IsRecorded_ButDoesNotReopen()
    {
        // Resolved the day before the National Day holiday: the 3 working days run to 10 October, past the 7 days.
        var (c, _, reporter) = await ResolvedAsync(school: 7, at: (2026, 9, 30));
        core.Clock.SetChinaTime(2026, 10, 8, 11);
        c = await ActAsync(c, ClueAction.Rate, reporter, note: "处理不彻底", rating: ClueRating.Unsatisfied);
        var row = await RowAsync(c.ClueId);
        Assert.Equal((ClueState.Resolved, "Unsatisfied", false), (row.State, row.Rating, row.Redo));
    }

    [Fact]
    public async Task Rate_NoAnswerInThreeWorkingDays_IsUnrated_NeverSatisfied_AndTooLateToRate()
    {
        var (c, _, reporter) = await ResolvedAsync(school: 8);   // Monday 30 Nov: the rating time ends Thursday 3 Dec
        core.Clock.SetChinaTime(2026, 12, 3, 9);
        Assert.Equal(0, await Clues.ExpireRatingsAsync(c.ClueId));
        core.Clock.SetChinaTime(2026, 12, 3, 11);
        Assert.Equal(1, await Clues.ExpireRatingsAsync(c.ClueId));
        Assert.Equal("Unrated", (await RowAsync(c.ClueId)).Rating);
        var late = await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.Rate, Version = c.Version, IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = ActorRef.User(reporter), Rating = ClueRating.Satisfied,
        });
        Assert.Equal((OutcomeKind.Refused, "clue.rating_closed", "回访评价期限已过（办结后 3 个工作日），已记为未评价"), (late.Kind, late.Code, late.Message));
        Assert.Equal("Unrated", (await RowAsync(c.ClueId)).Rating);
    }

    [Fact]
    public async Task Rate_AReporterWhoLeft_IsStoodInForByACoLeader()
    {
        var (c, _, reporter) = await ResolvedAsync(school: 9);
        var leader = await core.UserAsync("demo-school09-leader");
        await ActAsync(c, ClueAction.Rate, leader, rating: ClueRating.Satisfied, expect: OutcomeKind.Forbidden);   // the reporter is still here
        await core.ScalarAsync<long>("UPDATE users SET active = 0 WHERE id = @reporter; SELECT 1", new { reporter });
        try
        {
            c = await ActAsync(c, ClueAction.Rate, leader, rating: ClueRating.Satisfied);
            Assert.Equal("Satisfied", (await RowAsync(c.ClueId)).Rating);
        }
        finally
        {
            await core.ScalarAsync<long>("UPDATE users SET active = 1 WHERE id = @reporter; SELECT 1", new { reporter });
        }
    }

    // ------------------------------------------------------------------ corrections (item 6)

    [Fact]
    public async Task Reroute_AtCity_RecomputesTheReturnBarEscalatedFromUnitAndTarget_ForTheNewLine()
    {
        var c = await AtDistrictAsync(school: 10);
        var district = await core.UserAsync("demo-POL-handler");
        c = await ActAsync(c, ClueAction.Accept, district);
        c = await ActAsync(c, ClueAction.Escalate, district, note: "需市级");
        c = await ActAsync(c, ClueAction.ApproveEscalation, await core.UserAsync("demo-POL-head"));
        Assert.Equal(Tier.City, (await RowAsync(c.ClueId)).Tier);

        c = await ActAsync(c, ClueAction.Reroute, await core.UserAsync("demo-edu-admin"), note: "属于食品安全", targetItem: 16);
        var row = await RowAsync(c.ClueId);
        var mktDistrict = await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @u AND role = 'Handler'", new { u = await core.UserAsync("demo-MKT-handler") });
        var mktCity = await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @u AND role = 'Handler'", new { u = await core.UserAsync("demo-MKT-city-handler") });
        Assert.Equal((16, Tier.City, mktCity, mktDistrict, false), (row.ItemNo, row.Tier, row.UnitId!.Value, row.EscalatedFromUnitId!.Value, row.CityEscalationBarred));
        // The city market department may return it to the district market department, not to the police.
        var city = await core.UserAsync("demo-MKT-city-handler");
        c = await ActAsync(c, ClueAction.Return, city, note: "不属于市级职责");
        Assert.Equal((Tier.District, mktDistrict), ((await RowAsync(c.ClueId)).Tier, (await RowAsync(c.ClueId)).UnitId!.Value));

        // Removed again: the police staff who held it may still read it, which other classes' line-only lists do not expect.
        await core.ScalarAsync<long>("""
            DELETE FROM clue_events WHERE clue_id = @id; DELETE FROM outbox WHERE JSON_EXTRACT(payload, '$.clueId') = @id;
            DELETE FROM idempotency_keys WHERE scope LIKE CONCAT('clue:', @id, ':%'); DELETE FROM audit_log WHERE subject_type = 'clue' AND subject_id = @id;
            DELETE FROM clues WHERE id = @id; SELECT 1
            """, new { id = c.ClueId });
    }

    [Fact]
    public async Task TownItem_EscalationTarget_TheConfiguredUnit_TheTaskForceOfficeByDefault_OrNone()
    {
        var admin = await core.UserAsync("demo-edu-admin");
        var office = await core.ScalarAsync<long>("SELECT id FROM units WHERE is_task_force_office = 1");
        var mktDistrict = await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @u AND role = 'Handler'", new { u = await core.UserAsync("demo-MKT-handler") });
        var adminService = core.Get<AdminService>();
        try
        {
            // As on a fresh install: no unit configured for the item, and no task force office yet.
            Assert.True((await adminService.SetEscalationUnitAsync(admin, 19, null, CancellationToken.None)).Failure is null);
            await core.ScalarAsync<long>("UPDATE units SET is_task_force_office = 0 WHERE id = @office; SELECT 1", new { office });
            var (c, member, townHead) = await AcceptedAsync(school: 11, item: 19, line: "TOWN");
            Assert.DoesNotContain(ClueAction.Escalate, (await Clues.ReadAsync(c.ClueId, member))!.AvailableActions);
            var refused = await ActAsync(c, ClueAction.Escalate, member, note: "需区级", expect: OutcomeKind.Refused);
            Assert.Equal(c.Version, refused.Version);

            // The task force office exists: it is the default.
            await core.ScalarAsync<long>("UPDATE units SET is_task_force_office = 1 WHERE id = @office; SELECT 1", new { office });
            Assert.Contains(ClueAction.Escalate, (await Clues.ReadAsync(c.ClueId, member))!.AvailableActions);

            // The admin configures another unit through the API's use case: escalation goes there.
            var liaison = await core.UserAsync("demo-POL-liaison");
            Assert.Equal(OutcomeStatus.Forbidden, (await adminService.SetEscalationUnitAsync(liaison, 19, mktDistrict, CancellationToken.None)).Failure!.Status);
            Assert.True((await adminService.SetEscalationUnitAsync(admin, 19, mktDistrict, CancellationToken.None)).Failure is null);
            c = await ActAsync(c, ClueAction.Escalate, member, note: "需区级");
            c = await ActAsync(c, ClueAction.ApproveEscalation, townHead);
            Assert.Equal((Tier.District, mktDistrict), ((await RowAsync(c.ClueId)).Tier, (await RowAsync(c.ClueId)).UnitId!.Value));
        }
        finally
        {
            await core.ScalarAsync<long>("UPDATE units SET is_task_force_office = 1 WHERE id = @office; UPDATE worklist_items SET escalation_unit_id = @office WHERE no = 19; SELECT 1", new { office });
        }
    }

    [Fact]
    public async Task Dispatch_AHeadsOwnProposal_IsAnotherHeadsToApprove()
    {
        var c = await AtDistrictAsync(school: 12);
        var head = await core.UserAsync("demo-POL-head");
        c = await ActAsync(c, ClueAction.Accept, head);
        await ActAsync(c, ClueAction.ProposeDispatch, head, expect: OutcomeKind.Invalid);   // nobody else to review it
        var other = await SecondHeadAsync((await RowAsync(c.ClueId)).UnitId!.Value, "副局长");
        try
        {
            c = await ActAsync(c, ClueAction.ProposeDispatch, head);
            await ActAsync(c, ClueAction.ApproveDispatch, head, expect: OutcomeKind.Forbidden);
            c = await ActAsync(c, ClueAction.ApproveDispatch, other);
            Assert.Equal(Tier.Grid, (await RowAsync(c.ClueId)).Tier);
        }
        finally
        {
            await RemoveHeadAsync(other);
        }
    }

    [Fact]
    public async Task UrgeAndComment_NeedNoVersion_UrgeOncePerPersonEveryFourHours()
    {
        var (c, member, _) = await AcceptedAsync(school: 13);
        var officer = await core.UserAsync("demo-school13-officer");
        await ActAsync(c, ClueAction.Resolve, member, note: "x", noVersion: true, expect: OutcomeKind.Invalid);   // everything else needs one
        await ActAsync(c, ClueAction.Comment, officer, note: "已拍照留存", noVersion: true);
        await ActAsync(c, ClueAction.Urge, officer, noVersion: true);
        await ActAsync(c, ClueAction.Urge, officer, noVersion: true, expect: OutcomeKind.Refused);
        Assert.Equal("clue.urge_too_soon", (await Clues.ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.Urge, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(officer),
        })).Code);
        await ActAsync(c, ClueAction.Urge, await core.UserAsync("demo-school13-leader"), noVersion: true);   // someone else may
        core.Clock.Now = core.Clock.Now.AddHours(4).AddMinutes(1);
        await ActAsync(c, ClueAction.Urge, officer, noVersion: true);
        Assert.Equal(c.Version, await core.ScalarAsync<int>("SELECT version FROM clues WHERE id = @id", new { id = c.ClueId }));   // no version moved
    }

    [Fact]
    public async Task Admin_ALiaisonCannotGrantThemselvesARole_NorMakeAHead()
    {
        var adminService = core.Get<AdminService>();
        var liaison = await core.UserAsync("demo-POL-liaison");
        var polUnit = await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @liaison AND role = 'Liaison'", new { liaison });
        var self = await adminService.UpdateAccountAsync(liaison, liaison,
            new AccountCommand(null, null, null, [new MembershipGrant(Role.UnitHead, polUnit, 0)]), CancellationToken.None);
        Assert.Equal(OutcomeStatus.Forbidden, self.Failure!.Status);
        var handler = await core.UserAsync("demo-POL-handler");
        var head = await adminService.UpdateAccountAsync(liaison, handler,
            new AccountCommand(null, null, null, [new MembershipGrant(Role.UnitHead, polUnit, 0)]), CancellationToken.None);
        Assert.Equal(OutcomeStatus.Forbidden, head.Failure!.Status);
        Assert.Equal(0, await core.ScalarAsync<long>("SELECT COUNT(*) FROM memberships WHERE user_id IN (@liaison, @handler) AND role = 'UnitHead'", new { liaison, handler }));
    }
}
