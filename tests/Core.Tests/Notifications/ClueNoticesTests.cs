using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Tests.Notifications;

public sealed class ClueNoticesTests
{
    private static readonly ClueView View = new()
    {
        Clue = new ClueRow
        {
            Id = 7, Number = "XA20261130-0007", State = ClueState.PendingAcceptance, Description = "校门口有人兜售三无食品，联系电话 13812345678",
            Supervised = true, SupervisionDueAt = new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc),
        },
        SchoolName = "余杭区仓前中心小学", ItemLabel = "食品安全", UnitName = "仓前市场监管所",
    };

    [Fact]
    public void Group_New_NamesNumberSchoolCategoryUnit_NeverTheDescription()
    {
        var m = ClueNotices.Group("new", View, "dingtalk://link");
        Assert.Equal("""
            {"title":"新线索上报","text":"### 新线索上报\n- 编号：XA20261130-0007\n- 学校：余杭区仓前中心小学\n- 类别：食品安全\n- 状态：待签收\n- 责任单位：仓前市场监管所\n\n[在小程序中查看](dingtalk://link)"}
            """, m.MsgParam);
        Assert.DoesNotContain("13812345678", m.MsgParam);
    }

    [Fact]
    public void User_Supervised_GivesTheDeadlineInChinaTime()
    {
        var m = ClueNotices.User("supervised", View);
        Assert.Contains("督办通知：线索 XA20261130-0007（余杭区仓前中心小学 · 食品安全）已挂牌督办，督办期限 2026-12-04 18:00。", m.MsgParam);
        Assert.Contains("处置人账号已停用", ClueNotices.User("assignee_left", View).MsgParam);
    }
}
