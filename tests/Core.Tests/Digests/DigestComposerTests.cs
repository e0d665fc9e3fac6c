using System.Text.Json;
using SchoolSafety.Core.Digests;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.Tests.Digests;

public sealed class DigestComposerTests
{
    private const string Link = "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fxa.example.cn%2Fclues&pc_slide=true";
    private static readonly DateOnly Tuesday = new(2026, 12, 1);

    private static string Text(RobotMessage m) => JsonDocument.Parse(m.MsgParam).RootElement.GetProperty("text").GetString()!;

    private static DigestClue Clue(string number, string school, DateTime dueUtc, bool supervised = false) => new()
    {
        Number = number, SchoolName = school, ItemLabel = "治安/校园安保", UnitName = "五常派出所", DueAt = dueUtc,
        Supervised = supervised, SupervisionDueAt = supervised ? dueUtc.AddDays(3) : null,
    };

    [Fact]
    public void WorkGroup_IsTheGoldenText()
    {
        var counts = new SchoolDigestCounts { New = 2, Open = 5, Overdue = 1, AwaitingConfirmation = 1, AwaitingRating = 2 };
        var m = DigestComposer.WorkGroup("余杭区五常中心小学", Tuesday, counts,
            [Clue("XA20261125-0003", "余杭区五常中心小学", new DateTime(2026, 11, 30, 2, 0, 0, DateTimeKind.Utc))], Link);

        Assert.Equal("sampleMarkdown", m.MsgKey);
        Assert.Equal("护校安园每日简报 · 余杭区五常中心小学", JsonDocument.Parse(m.MsgParam).RootElement.GetProperty("title").GetString());
        Assert.Equal("""
            ### 护校安园每日简报 · 余杭区五常中心小学
            2026年12月1日（星期二）

            - 新增线索：2 条（自上次简报以来）
            - 在办线索：5 条
            - 已超期：1 条
            - 待确认办结：1 条
            - 待回访评价：2 条

            **超期线索**
            - XA20261125-0003 · 治安/校园安保 · 五常派出所，期限 11-30 10:00

            [在小程序中查看本校线索](dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fxa.example.cn%2Fclues&pc_slide=true)
            """, Text(m));
    }

    [Fact]
    public void WorkGroup_ListsTenOverdueAndCountsTheRest()
    {
        var overdue = Enumerable.Range(1, 12).Select(i => Clue($"XA20261101-{i:D4}", "某校", new DateTime(2026, 11, 2, 2, 0, 0, DateTimeKind.Utc))).ToList();
        var text = Text(DigestComposer.WorkGroup("某校", Tuesday, new SchoolDigestCounts { Open = 12, Overdue = 12 }, overdue, Link));
        Assert.Contains("XA20261101-0010", text);
        Assert.DoesNotContain("XA20261101-0011", text);
        Assert.Contains("- ……等共 12 条", text);
    }

    [Fact]
    public void WeeklyNote_IsTheGoldenText()
    {
        Assert.Equal("""
            ### 护校安园周报 · 余杭区五常中心小学
            2026年11月30日（星期一）

            本校目前没有新增、在办或超期的线索。请继续做好日常排查，发现隐患及时上报。

            [在小程序中上报线索](link)
            """, Text(DigestComposer.WeeklyNote("余杭区五常中心小学", new DateOnly(2026, 11, 30), "link")));
    }

    [Fact]
    public void District_IsTheGoldenText()
    {
        var now = new DateTime(2026, 12, 1, 0, 30, 0, DateTimeKind.Utc);
        var m = DigestComposer.District(Tuesday,
            [new DigestTotal("五常街道", 3, 1), new DigestTotal("仓前街道", 1, 0)],
            [new DigestTotal("公安", 3, 1), new DigestTotal("市场监管", 1, 0)],
            [Clue("XA20261125-0003", "余杭区五常中心小学", new DateTime(2026, 11, 30, 2, 0, 0, DateTimeKind.Utc), supervised: true)],
            new DistrictFigures { ReportedThisYear = 40, ResolvedThisYear = 35, Satisfied = 27, Rated = 30, SchoolsGuided = 12, ActiveSchools = 20 }, now, "stats");

        Assert.Equal("""
            ### 校园安全专班每日简报
            2026年12月1日（星期二）

            **总体情况**
            - 在办线索：4 条，其中超期 1 条，挂牌督办 1 条
            - 本年办结率：87.5%（办结 35 / 上报 40）
            - 满意率：90.0%（满意及基本满意 27 / 已评价 30）
            - 服务指导覆盖：12 / 20 所学校（近 90 天），60.0%

            **各镇街**
            - 五常街道：在办 3，超期 1
            - 仓前街道：在办 1，超期 0

            **各条线**
            - 公安：在办 3，超期 1
            - 市场监管：在办 1，超期 0

            **超期线索**
            - XA20261125-0003 · 余杭区五常中心小学 · 五常派出所，期限 11-30 10:00

            **挂牌督办**
            - XA20261125-0003 · 余杭区五常中心小学 · 五常派出所，督办期限 12-03 10:00

            [在小程序中查看统计](stats)
            """, Text(m));
    }
}
