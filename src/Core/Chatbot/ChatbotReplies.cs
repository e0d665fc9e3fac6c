using System.Globalization;
using System.Text;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Chatbot;

/// <summary>A markdown reply (DingTalk's subset: headings, lists, links, quotes, bold).</summary>
public sealed record ChatReply(string Title, string Text);

/// <summary>The robot's replies as pure functions of what was read: golden-text tested.</summary>
public static class ChatbotReplies
{
    public const string Title = "校安一件事";

    public static ChatReply Help(CardOptions links) => new(Title, $"""
        ### 校安一件事 · 机器人
        - **我的待办**：待我处理的线索
        - **查询 XA20261130-0001**：查看一条线索
        - **统计**：今日、本周的线索情况（在工作群中为本校）
        - **督办清单**：挂牌督办的线索
        - **帮助**：显示本说明

        [打开小程序]({links.Link(MiniAppPages.Home)})
        """);

    public static ChatReply NotRegistered() => new(Title, """
        ### 校安一件事
        您还没有开通账号，请联系本单位联络员。
        """);

    public static ChatReply ToDo(IReadOnlyList<ClueListItem> items, CardOptions links)
    {
        if (items.Count == 0) return new("我的待办", "### 我的待办\n暂无待办，辛苦了。");
        var sb = new StringBuilder($"### 我的待办（{items.Count}）\n");
        for (var i = 0; i < items.Count; i++)
        {
            var c = items[i];
            sb.Append(CultureInfo.InvariantCulture, $"{i + 1}. [{c.Number}]({links.ClueLink(c.Id)}) {Md(c.SchoolName)} · {Md(c.ItemLabel)} · {c.State.Zh()}");
            if (c.DueAt is { } due) sb.Append(" · 期限 ").Append(Short(due));
            sb.Append('\n');
        }
        sb.Append('\n').Append(CultureInfo.InvariantCulture, $"[在小程序中查看全部]({links.Link(MiniAppPages.Todos)})");
        return new("我的待办", sb.ToString());
    }

    public static ChatReply Clue(ClueView v, CardOptions links)
    {
        var c = v.Clue;
        var sb = new StringBuilder($"### 线索 {c.Number}\n");
        sb.Append("- 学校：").Append(Md(v.SchoolName)).Append('\n');
        sb.Append("- 类别：").Append(Md(v.ItemLabel)).Append('\n');
        sb.Append("- 状态：").Append(c.State.Zh()).Append('（').Append(c.Tier.Zh()).Append("）\n");
        sb.Append("- 责任单位：").Append(v.UnitName is { } unit ? Md(unit) : c.Unrouted ? "待改派" : "—").Append('\n');
        sb.Append("- 处置人：").Append(v.AssigneeName is { } who ? Md(who) : "—").Append('\n');
        if (c.State.IsOpen() && c.DueAt is { } due) sb.Append("- 期限：").Append(CardComposer.ChinaTime(due)).Append('\n');
        sb.Append("- 督办：").Append(c.Supervised ? $"是（期限 {CardComposer.ChinaTime(c.SupervisionDueAt)}）" : "否").Append('\n');
        if (CardComposer.LastAction(v) is { Length: > 0 } last) sb.Append("- 最近：").Append(Md(last)).Append('\n');
        sb.Append("\n> ").Append(Md(CardComposer.Excerpt(c.Description))).Append("\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"[查看详情]({links.ClueLink(c.Id)})");
        return new($"线索 {c.Number}", sb.ToString());
    }

    /// <summary>The same words for "no such clue" and "not yours to see": existence is not disclosed.</summary>
    public static ChatReply ClueNotVisible(string number) => new("查询结果", $"### 查询结果\n未找到线索 {number}，或您无权查看。");

    public static ChatReply Stats(string scopeName, ClueCounts today, ClueCounts week, CardOptions links) => new("线索统计", $"""
        ### 线索统计 · {scopeName}
        - 今日：新增 {today.Reported}，办结 {today.Resolved}
        - 本周：新增 {week.Reported}，办结 {week.Resolved}
        - 当前在办 {today.Open}，其中超期 {today.Overdue}，督办 {today.Supervised}

        [查看统计]({links.Link(MiniAppPages.Statistics)})
        """);

    public static ChatReply StatsForbidden() => new("线索统计", """
        ### 线索统计
        您无权查看此范围的统计。统计向学校负责人、工作组成员、部门联络员和教育局专班开放。
        """);

    public static ChatReply Supervised(IReadOnlyList<ClueListItem> items, CardOptions links)
    {
        if (items.Count == 0) return new("督办清单", "### 督办清单\n当前没有挂牌督办的线索。");
        var sb = new StringBuilder($"### 督办清单（{items.Count}）\n");
        for (var i = 0; i < items.Count; i++)
        {
            var c = items[i];
            sb.Append(CultureInfo.InvariantCulture, $"{i + 1}. [{c.Number}]({links.ClueLink(c.Id)}) {Md(c.SchoolName)} · {Md(c.ItemLabel)} · {c.State.Zh()}");
            if (c.SupervisionDueAt is { } due) sb.Append(" · 督办期限 ").Append(Short(due));
            sb.Append('\n');
        }
        sb.Append('\n').Append(CultureInfo.InvariantCulture, $"[在小程序中查看]({links.Link(MiniAppPages.Clues)})");
        return new("督办清单", sb.ToString());
    }

    /// <summary>For a group chat: the command is answered only in the 1:1 chat with the robot (or in the mini-app).</summary>
    public static ChatReply PrivateOnly(ChatbotVerb verb, CardOptions links) => new(Title, $"""
        ### 校安一件事
        为保护学校和师生信息，{(verb is ChatbotVerb.ToDo ? "「我的待办」" : verb is ChatbotVerb.Query ? "「查询」" : "此命令")}只在与机器人的单聊中回复{(verb is ChatbotVerb.Stats or ChatbotVerb.Supervised ? "（学校护校安园工作组群除外）" : "")}。
        请单聊机器人，或[在小程序中查看]({links.Link(MiniAppPages.Home)})。
        """);

    public static ChatReply SupervisedForbidden() => new("督办清单", "### 督办清单\n您无权查看此范围的督办清单。");

    /// <summary>Text from data, inert in markdown and with phones masked (<see cref="ChatText.Markdown"/>).</summary>
    private static string Md(string text) => ChatText.Markdown(text);

    private static string Short(DateTime utc) => (utc + HolidayTable.ChinaOffset).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);
}
