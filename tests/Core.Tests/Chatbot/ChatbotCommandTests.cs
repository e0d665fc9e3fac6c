using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Chatbot;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Tests.Chatbot;

public sealed class ChatbotCommandTests
{
    [Theory]
    [InlineData("帮助", ChatbotVerb.Help, null)]
    [InlineData("我的待办", ChatbotVerb.ToDo, null)]
    [InlineData("@校安机器人 我的待办 ", ChatbotVerb.ToDo, null)]
    [InlineData("查询 XA20261130-0007", ChatbotVerb.Query, "XA20261130-0007")]
    [InlineData("查询xa20261130-12345", ChatbotVerb.Query, "XA20261130-12345")]
    [InlineData("统计", ChatbotVerb.Stats, null)]
    [InlineData("督办清单", ChatbotVerb.Supervised, null)]
    [InlineData("查询", ChatbotVerb.Help, null)]
    [InlineData("你好", ChatbotVerb.Help, null)]
    [InlineData("", ChatbotVerb.Help, null)]
    public void Parse_Commands(string text, ChatbotVerb verb, string? number) =>
        Assert.Equal(new ChatbotCommand(verb, number), ChatbotCommand.Parse(text));

    private static MembershipRow M(Role role, long school = 0, long unit = 0, string? line = null) =>
        new() { Role = role, SchoolId = school, UnitId = unit, UnitLineCode = line };

    [Fact]
    public void Scope_EduAdmin_DistrictOrTheChatSchool()
    {
        Assert.Equal(ClueScope.District, ChatbotService.Scope([M(Role.EduAdmin)], null, false));
        Assert.Equal(new ClueScope(7, null), ChatbotService.Scope([M(Role.EduAdmin)], 7, false));
    }

    [Fact]
    public void Scope_Liaison_TheirLineOnly()
    {
        Assert.Equal(new ClueScope(null, "POL"), ChatbotService.Scope([M(Role.Liaison, unit: 3, line: "POL")], null, false));
        Assert.Equal(new ClueScope(7, "POL"), ChatbotService.Scope([M(Role.Liaison, unit: 3, line: "POL")], 7, false));
    }

    [Fact]
    public void Scope_SchoolStaff_TheirSchool_NotAnotherSchoolsChat()
    {
        Assert.Equal(new ClueScope(5, null), ChatbotService.Scope([M(Role.Reporter, school: 5)], null, false));
        Assert.Equal(new ClueScope(5, null), ChatbotService.Scope([M(Role.CoLeader, school: 5)], 5, false));
        Assert.Null(ChatbotService.Scope([M(Role.Reporter, school: 5)], 7, false));
    }

    [Fact]
    public void Scope_Handler_OnlyInTheirWorkGroupsChat()
    {
        Assert.Null(ChatbotService.Scope([M(Role.Handler, unit: 9, line: "POL")], null, false));
        Assert.Equal(new ClueScope(7, null), ChatbotService.Scope([M(Role.Handler, unit: 9, line: "POL")], 7, true));
    }

    [Fact]
    public void Windows_ChinaDayAndWeekFromMonday()
    {
        // Wednesday 2 Dec 2026, 01:00 China time = Tuesday 1 Dec 17:00 UTC.
        var (day, week) = ChatbotService.Windows(new DateTime(2026, 12, 1, 17, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2026, 12, 1, 16, 0, 0, DateTimeKind.Utc), day);
        Assert.Equal(new DateTime(2026, 11, 29, 16, 0, 0, DateTimeKind.Utc), week);
    }

    [Fact]
    public void Stats_GoldenText()
    {
        var reply = ChatbotReplies.Stats("余杭区五常中心小学",
            new ClueCounts { Reported = 2, Resolved = 1, Open = 4, Overdue = 1, Supervised = 1 },
            new ClueCounts { Reported = 9, Resolved = 5, Open = 4, Overdue = 1, Supervised = 1 }, new CardOptions());
        Assert.Equal("""
            ### 线索统计 · 余杭区五常中心小学
            - 今日：新增 2，办结 1
            - 本周：新增 9，办结 5
            - 当前在办 4，其中超期 1，督办 1

            [查看统计](dingtalk://dingtalkclient/page/link?url=http%3A%2F%2F127.0.0.1%3A5080%2Fstatistics&pc_slide=true)
            """, reply.Text);
    }

    [Fact]
    public void ToDo_GoldenText()
    {
        var reply = ChatbotReplies.ToDo([new ClueListItem
        {
            Id = 42, Number = "XA20261130-0007", SchoolName = "余杭区五常中心小学", ItemLabel = "校园周边治安", State = ClueState.InProgress,
            DueAt = new DateTime(2026, 12, 7, 2, 0, 0, DateTimeKind.Utc),
        }], new CardOptions { MiniAppUrl = "https://xa.example.cn/" });
        Assert.Equal("""
            ### 我的待办（1）
            1. [XA20261130-0007](dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fxa.example.cn%2Fclues%2F42&pc_slide=true) 余杭区五常中心小学 · 校园周边治安 · 处置中 · 期限 12-07 10:00

            [在小程序中查看全部](dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fxa.example.cn%2Ftodos&pc_slide=true)
            """, reply.Text);
    }
}
