using System.Net;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.IntegrationTests.Callbacks;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Chatbot;

/// <summary>Each command's reply as golden text, on an emptied database at a fixed time (Monday 30 Nov 2026, 10:00 China time).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ChatbotTests(CallbacksHost host) : IClassFixture<CallbacksHost>, IAsyncLifetime
{
    private const string Link = "dingtalk://dingtalkclient/page/link?url=";
    private ActionOutcome _clue = null!;
    private string _handler = "";

    public async Task InitializeAsync()
    {
        host.FollowRealTime = false;
        host.Clock.SetChinaTime(2026, 11, 30, 10, 0);
        if (!host.Shared.TryGetValue("clue", out var clue))
        {
            await host.ResetAsync();
            host.Shared["clue"] = clue = await host.ReportAsync(school: 20);
        }
        _clue = (ActionOutcome)clue;
        _handler = await host.MemberDingTalkIdAsync(20, "POL");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<string> AskAsync(string? who, string text, string cid = "cid-1to1", bool group = false)
    {
        var (status, reply) = await host.AskAsync(who, text, cid, group);
        Assert.Equal(HttpStatusCode.OK, status);
        return reply!;
    }

    private static string Page(string page) => Link + Uri.EscapeDataString(CardOptions.LocalMiniAppUrl + page) + "&pc_slide=true";

    private static string ClueLink(long id) => Page($"/clues/{id}");

    [Fact]
    public async Task Help_AndAnythingElse_GetTheHelpText()
    {
        var help = $"""
            ### 校安一件事 · 机器人
            - **我的待办**：待我处理的线索
            - **查询 XA20261130-0001**：查看一条线索
            - **统计**：今日、本周的线索情况（在工作群中为本校）
            - **督办清单**：挂牌督办的线索
            - **帮助**：显示本说明

            [打开小程序]({Page("/")})
            """;
        Assert.Equal(help, await AskAsync(_handler, "帮助"));
        Assert.Equal(help, await AskAsync(_handler, "@校安机器人 今天天气怎么样"));
    }

    [Fact]
    public async Task ToDo_Handler_ListsTheirClue_WithDueTime()
    {
        Assert.Equal($"""
            ### 我的待办（1）
            1. [XA20261130-0001]({ClueLink(_clue.ClueId)}) 余杭区百丈中心小学 · {await ItemLabelAsync()} · 待签收 · 期限 12-01 10:00

            [在小程序中查看全部]({Page("/todos")})
            """, await AskAsync(_handler, "我的待办"));
    }

    [Fact]
    public async Task ToDo_SomeoneWithNothing_IsToldSo()
    {
        Assert.Equal("### 我的待办\n暂无待办，辛苦了。", await AskAsync("demo-school19-officer", "我的待办"));
    }

    [Fact]
    public async Task Query_Handler_SeesTheClue_OutsiderGetsNotFound()
    {
        var handlerName = await host.ScalarAsync<string>("SELECT name FROM users WHERE dingtalk_user_id = @d", new { d = _handler });
        var unit = await host.ScalarAsync<string>("SELECT u.name FROM clues c JOIN units u ON u.id = c.unit_id WHERE c.id = @id", new { id = _clue.ClueId });
        var reporter = await host.ScalarAsync<string>("SELECT name FROM users WHERE dingtalk_user_id = 'demo-school20-officer'");
        var handlerId = await host.ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = @d", new { d = _handler });
        Task<long> ReadsAsync() => host.ScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'ClueRead' AND actor_user_id = @u AND subject_id = @c",
            new { u = handlerId, c = _clue.ClueId.ToString() });
        var readsBefore = await ReadsAsync();
        Assert.Equal($"""
            ### 线索 XA20261130-0001
            - 学校：余杭区百丈中心小学
            - 类别：{await ItemLabelAsync()}
            - 状态：待签收（护校安园工作组）
            - 责任单位：{unit}
            - 处置人：{handlerName}
            - 期限：2026-12-01 10:00
            - 督办：否
            - 最近：{reporter} 上报线索 · 11-30 10:00

            > 校门口有无证摊贩占道经营，放学时段拥堵

            [查看详情]({ClueLink(_clue.ClueId)})
            """, await AskAsync(_handler, "查询 xa20261130-0001"));

        Assert.Equal(readsBefore + 1, await ReadsAsync());   // a read in a chat is logged like one in the mini-app
        var hidden = "### 查询结果\n未找到线索 XA20261130-0001，或您无权查看。";
        Assert.Equal(hidden, await AskAsync("demo-school19-officer", "查询 XA20261130-0001"));   // another school's staff
        Assert.Equal("### 查询结果\n未找到线索 XA20261130-0099，或您无权查看。", await AskAsync(_handler, "查询XA20261130-0099"));
    }

    [Fact]
    public async Task GroupChat_ClueDetailsAndToDos_AreAnsweredOnlyOneToOne_AndUnboundGroupsGetNothing()
    {
        var privateOnlyQuery = $"""
            ### 校安一件事
            为保护学校和师生信息，「查询」只在与机器人的单聊中回复。
            请单聊机器人，或[在小程序中查看]({Page("/")})。
            """;
        // The handler may see the clue, but the school's group chat also holds members of other lines.
        Assert.Equal(privateOnlyQuery, await AskAsync(_handler, "查询 XA20261130-0001", "demo-cid-school20", group: true));
        Assert.StartsWith("### 校安一件事\n为保护学校和师生信息，「我的待办」只在", await AskAsync(_handler, "我的待办", "demo-cid-school20", group: true));
        // A group that is no school's work group: not even statistics.
        Assert.Equal($"""
            ### 校安一件事
            为保护学校和师生信息，此命令只在与机器人的单聊中回复（学校护校安园工作组群除外）。
            请单聊机器人，或[在小程序中查看]({Page("/")})。
            """, await AskAsync("demo-edu-admin", "统计", "cid-some-other-group", group: true));
        // 1:1 still answers.
        Assert.StartsWith("### 线索 XA20261130-0001\n", await AskAsync(_handler, "查询 XA20261130-0001"));
    }

    [Fact]
    public async Task Stats_InTheSchoolChat_ForTheSchool_AndRefusedToAnOutsider()
    {
        var expected = $"""
            ### 线索统计 · 余杭区百丈中心小学
            - 今日：新增 1，办结 0
            - 本周：新增 1，办结 0
            - 当前在办 1，其中超期 0，督办 0

            [查看统计]({Page("/statistics")})
            """;
        Assert.Equal(expected, await AskAsync("demo-school20-grid", "统计", "demo-cid-school20", group: true));
        Assert.Equal(expected, await AskAsync("demo-school20-officer", "统计"));   // 1:1: their own school
        Assert.StartsWith("### 线索统计 · 全区\n- 今日：新增 ", await AskAsync("demo-edu-admin", "统计"));
        Assert.Equal("""
            ### 线索统计
            您无权查看此范围的统计。统计向学校负责人、工作组成员、部门联络员和教育局专班开放。
            """, await AskAsync("demo-school19-officer", "统计", "demo-cid-school20", group: true));
        Assert.StartsWith("### 线索统计\n您无权查看", await AskAsync("demo-POL-handler", "统计"));
    }

    [Fact]
    public async Task Supervised_AdminSeesTheList_SchoolStaffElsewhereSeeNone()
    {
        var other = await host.ReportAsync(school: 18);   // XA20261130-0002: the shared clue stays unsupervised
        var admin = await host.UserAsync("demo-edu-admin");
        var supervised = await host.Get<ClueService>().ApplyAsync(new ClueCommand
        {
            ClueId = other.ClueId, Action = ClueAction.Supervise, Version = 1, IdempotencyKey = "sup-1",
            Actor = ActorRef.User(admin), SupervisionDueAt = new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc),
        });
        Assert.Equal(OutcomeKind.Applied, supervised.Kind);

        Assert.Equal($"""
            ### 督办清单（1）
            1. [XA20261130-0002]({ClueLink(other.ClueId)}) 余杭区黄湖中心小学 · {await ItemLabelAsync()} · 待签收 · 督办期限 12-04 18:00

            [在小程序中查看]({Page("/clues")})
            """, await AskAsync("demo-edu-admin", "督办清单"));
        Assert.Equal("### 督办清单\n当前没有挂牌督办的线索。", await AskAsync("demo-school19-officer", "督办清单"));
        Assert.Equal("### 督办清单\n您无权查看此范围的督办清单。", await AskAsync("demo-school19-officer", "督办清单", "demo-cid-school20", group: true));
    }

    [Fact]
    public async Task UnknownSender_IsToldToAskTheirLiaison_BadSign_Refused()
    {
        Assert.Equal("### 校安一件事\n您还没有开通账号，请联系本单位联络员。", await AskAsync("stranger", "我的待办"));
        var (status, _) = await host.AskAsync(_handler, "我的待办", secret: "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    private Task<string> ItemLabelAsync() => host.ScalarAsync<string>("SELECT label FROM worklist_items WHERE no = 4");
}
