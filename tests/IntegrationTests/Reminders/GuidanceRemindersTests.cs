using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Reminders;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Reminders;

/// <summary>Rectification notices and the finding, guidance-window and work-list steps, on MariaDB with a test clock.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class GuidanceRemindersTests(CoreServices core) : IClassFixture<CoreServices>, IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task InitializeAsync()
    {
        await core.Db.ResetAsync();
        await core.Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<List<(long User, SubjectKind Kind, long Id, string Step)>> LinesAsync() =>
        (await core.QueryAsync<string>("SELECT payload FROM outbox WHERE topic = @t ORDER BY id", new { t = ReminderMessages.Topic }))
            .Select(p => JsonSerializer.Deserialize<ReminderPayload>(p, Json)!)
            .SelectMany(r => r.UserIds.SelectMany(u => r.Items.Select(i => (u, i.Kind, i.Id, i.Step)))).ToList();

    private async Task RunAtAsync(int mo, int d, int h, int mi = 0)
    {
        core.Clock.SetChinaTime(2026, mo, d, h, mi);
        await core.Get<ReminderService>().RunAsync(CancellationToken.None);
    }

    private async Task<OutboxDelivery.UserMessages> RenderAsync(string payload)
    {
        var renderer = core.Services.GetServices<IOutboxTopicRenderer>().OfType<GuidanceNoticeRenderer>().Single();
        return Assert.IsType<OutboxDelivery.UserMessages>(await renderer.RenderAsync(new OutboxEnvelope(1, GuidanceNotices.Topic, null, payload, 1), CancellationToken.None));
    }

    [Fact]
    public async Task Finding_NoticesItsAssignee_ThenRectifyDueAndOverdue_AtTheirWorkingTimes()
    {
        // Monday 30 Nov: the school-1 police member records a visit with one finding for the school, due Friday 4 Dec.
        await using (var conn = await core.Db.DataSource.OpenConnectionAsync())
            await core.Get<ReminderStore>().ReplaceWindowsAsync(conn, 2026, [GuidanceWindows.Window(2026, 1, "测试", new(2026, 1, 5), new(2026, 1, 6))], CancellationToken.None);
        core.Clock.SetChinaTime(2026, 11, 30, 10);
        var member = await core.MemberAsync(1, "POL");
        var unit = await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @member AND role = 'Handler'", new { member });
        var school = await core.ScalarAsync<long>("SELECT school_id FROM work_groups WHERE open_conversation_id = 'demo-cid-school01'");
        var created = await core.Get<GuidanceService>().CreateAsync(member, new CreateGuidanceCommand(school, unit, GuidanceKind.Inspection,
            new DateOnly(2026, 11, 30), "校门口交通秩序检查", "王伟、李娜", null, [new FindingInput("校门口缺少减速带", null, new DateOnly(2026, 12, 4))]), CancellationToken.None);
        Assert.True(created.IsOk, created.Failure?.Message);
        var finding = created.Value!.Findings.Single().Id;

        var notice = await RenderAsync(await core.ScalarAsync<string>("SELECT payload FROM outbox WHERE topic = @t", new { t = GuidanceNotices.Topic }));
        var reporters = await core.QueryAsync<long>("SELECT user_id FROM memberships WHERE school_id = @school AND role = 'Reporter' ORDER BY user_id", new { school });
        Assert.Equal(await core.QueryAsync<string>("SELECT dingtalk_user_id FROM users WHERE id IN @reporters ORDER BY dingtalk_user_id", new { reporters }),
            notice.UserIds.Order(StringComparer.Ordinal).ToList());
        Assert.Equal("整改通知：余杭区五常中心小学的服务指导发现 1 个问题需要整改：\n1. 校门口缺少减速带（期限 2026-12-04）\n请在小程序中提交整改情况。",
            JsonDocument.Parse(notice.Message.MsgParam).RootElement.GetProperty("content").GetString());

        var officer = await core.UserAsync("demo-school01-officer");
        await RunAtAsync(12, 2, 10);
        Assert.DoesNotContain(await LinesAsync(), l => l.Kind == SubjectKind.Finding);
        await RunAtAsync(12, 3, 7, 30);                                    // 1 working day before the deadline day
        await RunAtAsync(12, 3, 9);
        Assert.Equal(reporters.Select(r => (r, SubjectKind.Finding, finding, "rectify-due")).ToArray(),
            (await LinesAsync()).Where(l => l.Kind == SubjectKind.Finding).OrderBy(l => l.User).ToArray());
        await RunAtAsync(12, 5, 10);                                       // Saturday: passed, but a day off
        Assert.DoesNotContain(await LinesAsync(), l => l.Step == "rectify-overdue");
        await RunAtAsync(12, 7, 7, 30);                                    // Monday morning: the assignee and the creator
        Assert.Equal(reporters.Append(member).Order().ToArray(), (await LinesAsync()).Where(l => l.Step == "rectify-overdue").Select(l => l.User).Order().ToArray());

        // Evidence tells the creator.
        core.Clock.SetChinaTime(2026, 12, 7, 9);
        var submitted = await core.Get<GuidanceService>().SubmitEvidenceAsync(officer, finding, new EvidenceCommand("已安装减速带", null), CancellationToken.None);
        Assert.True(submitted.IsOk, submitted.Failure?.Message);
        var toCreator = await RenderAsync((await core.QueryAsync<string>("SELECT payload FROM outbox WHERE topic = @t ORDER BY id DESC LIMIT 1", new { t = GuidanceNotices.Topic })).Single());
        Assert.Equal(await core.QueryAsync<string>("SELECT dingtalk_user_id FROM users WHERE id = @member", new { member }), toCreator.UserIds);
        Assert.Contains("已提交整改情况，请在小程序中验收", JsonDocument.Parse(toCreator.Message.MsgParam).RootElement.GetProperty("content").GetString());
    }

    [Fact]
    public async Task GuidanceWindow_RemindsMembersWithoutARecord_AndWorkListTasks_TheirLiaisonOnce()
    {
        await using (var conn = await core.Db.DataSource.OpenConnectionAsync())
            await core.Get<ReminderStore>().ReplaceWindowsAsync(conn, 2026, [GuidanceWindows.Window(2026, 1, "冬季检查", new(2026, 11, 30), new(2026, 12, 11))], CancellationToken.None);
        core.Clock.SetChinaTime(2026, 11, 30, 10);
        var member = await core.MemberAsync(1, "POL");
        var unit = await core.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @member AND role = 'Handler'", new { member });
        var school1 = await core.ScalarAsync<long>("SELECT school_id FROM work_groups WHERE open_conversation_id = 'demo-cid-school01'");
        Assert.True((await core.Get<GuidanceService>().CreateAsync(member, new CreateGuidanceCommand(school1, unit, GuidanceKind.Publicity,
            new DateOnly(2026, 11, 30), "安全宣传", "全体教师", null, []), CancellationToken.None)).IsOk);

        await RunAtAsync(12, 1, 7, 30);
        await RunAtAsync(12, 1, 7, 45);
        var lines = await LinesAsync();
        var guidance = lines.Where(l => l.Step == "guidance-window").ToList();
        var members = await core.ScalarAsync<long>("SELECT COUNT(*) FROM work_group_members");
        Assert.Equal(members - 1, guidance.Count);                      // everyone once, but not the member who visited school 1
        Assert.DoesNotContain(guidance, l => l.User == member && l.Id == school1);
        var tasks = await core.ScalarAsync<long>("SELECT COUNT(*) FROM worklist_tasks WHERE due <> '全年常态'");
        Assert.Equal(tasks, lines.Where(l => l.Step == "task-deadline").Select(l => l.Id).Distinct().Count());   // the seeded 2022 tasks, long due
        Assert.Equal(lines.Count, lines.Distinct().Count());
    }
}
