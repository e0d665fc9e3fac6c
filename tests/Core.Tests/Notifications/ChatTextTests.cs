using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Chatbot;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Tests.Notifications;

/// <summary>
/// What people typed reaches a chat as text, never as markup: no live link, no tracking image, no HTML; and no phone
/// number in any chat, card or digest (domain.md §8).
/// </summary>
public sealed class ChatTextTests
{
    private const string Hostile = "门口有人闹事 [点我领奖](http://evil.example/x) ![t](http://evil.example/p.png) <font color=red>急</font> **联系** 13812345678 或 0571-88881234";

    private static ClueView View(string description, string school = "余杭区五常中心小学") => new()
    {
        Clue = new ClueRow { Id = 42, Number = "XA20261130-0007", Description = description, State = ClueState.InProgress, Tier = Tier.WorkGroup, Version = 3 },
        SchoolName = school, ItemLabel = "校园周边治安", UnitName = "五常派出所", AssigneeName = "王伟",
    };

    private static void AssertInert(string markdown)
    {
        var ours = markdown.LastIndexOf("[查看", StringComparison.Ordinal);   // our own link at the end stays a link
        Assert.DoesNotContain("](", ours >= 0 ? markdown[..ours] : markdown);
        Assert.DoesNotContain("![", markdown);
        Assert.DoesNotContain("<font", markdown);
        Assert.DoesNotContain("http://evil", markdown);
        Assert.DoesNotContain("**联系**", markdown);
        Assert.DoesNotContain("13812345678", markdown);
        Assert.DoesNotContain("88881234", markdown);
    }

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("电话:+86 138-1234-5678。", "电话:+86 138****5678。")]
    [InlineData("座机 0571-88881234 转", "座机 0571-****1234 转")]
    [InlineData("单号 20261130123456789012 不是电话", "单号 20261130123456789012 不是电话")]
    [InlineData("2026 年 11 月 30 日", "2026 年 11 月 30 日")]
    public void MaskPhones_MobilesAndLandlines(string text, string expected) => Assert.Equal(expected, ChatText.MaskPhones(text));

    [Fact]
    public void Markdown_KeepsTheWords_ButNoMarkup()
    {
        var md = ChatText.Markdown(Hostile);
        AssertInert(md);
        Assert.Contains("点我领奖", md);
        Assert.Contains("138＊＊＊＊5678", md);   // masked, and the stars are not markdown either
    }

    [Fact]
    public void ChatbotClueReply_DescriptionAndNames_AreInert()
    {
        var reply = ChatbotReplies.Clue(View(Hostile, school: "[假学校](http://evil.example/s)"), new CardOptions());
        AssertInert(reply.Text);
        Assert.EndsWith(")", reply.Text);   // our own link is still a link
    }

    [Fact]
    public void GroupNotice_NamesAreInert()
    {
        var text = ClueNotices.Group("new", View("x", school: "[假学校](http://evil.example/s) 13812345678"), "link://42").MsgParam;
        Assert.DoesNotContain("http://evil", text);
        Assert.DoesNotContain("13812345678", text);
    }

    [Fact]
    public void CardExcerpt_MasksPhones()
    {
        var vars = CardComposer.Shared(View("联系家长 13812345678，门口有车"), "link://42", DateTime.UtcNow);
        Assert.Equal("联系家长 138****5678，门口有车", vars["excerpt"]);
    }
}
