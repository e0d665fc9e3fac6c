using System.Globalization;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.Digests;

/// <summary>
/// The words of the digests (domain.md §5), pure: one markdown message per work-group chat, a short weekly note for a
/// chat with nothing to report, and the district task force's daily digest. Clue numbers, schools, categories and units
/// only — never a description or a person (a chat is read by more people than the handlers).
/// </summary>
public static class DigestComposer
{
    public const int MaxListed = 10;
    public const int MaxListedDistrict = 20;
    private static readonly string[] Weekdays = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];

    public static RobotMessage WorkGroup(string schoolName, DateOnly day, SchoolDigestCounts c, IReadOnlyList<DigestClue> overdue, string link)
    {
        var title = $"护校安园每日简报 · {schoolName}";
        var lines = new List<string>
        {
            $"### {title}",
            Date(day),
            "",
            $"- 新增线索：{c.New} 条（自上次简报以来）",
            $"- 在办线索：{c.Open} 条",
            $"- 已超期：{c.Overdue} 条",
            $"- 待确认办结：{c.AwaitingConfirmation} 条",
            $"- 待回访评价：{c.AwaitingRating} 条",
        };
        if (overdue.Count > 0)
        {
            lines.Add("");
            lines.Add("**超期线索**");
            lines.AddRange(overdue.Take(MaxListed).Select(o => $"- {o.Number} · {o.ItemLabel} · {o.UnitName ?? "待改派"}，期限 {Time(o.DueAt)}"));
            if (overdue.Count > MaxListed) lines.Add($"- ……等共 {overdue.Count} 条");
        }
        lines.Add("");
        lines.Add($"[在小程序中查看本校线索]({link})");
        return RobotMessage.Markdown(title, string.Join('\n', lines));
    }

    public static RobotMessage WeeklyNote(string schoolName, DateOnly day, string link)
    {
        var title = $"护校安园周报 · {schoolName}";
        return RobotMessage.Markdown(title, string.Join('\n',
            $"### {title}",
            Date(day),
            "",
            "本校目前没有新增、在办或超期的线索。请继续做好日常排查，发现隐患及时上报。",
            "",
            $"[在小程序中上报线索]({link})"));
    }

    public static RobotMessage District(DateOnly day, IReadOnlyList<DigestTotal> towns, IReadOnlyList<DigestTotal> lines,
        IReadOnlyList<DigestClue> flagged, DistrictFigures f, DateTime nowUtc, string link)
    {
        const string title = "校园安全专班每日简报";
        var overdue = flagged.Where(c => c.DueAt is { } d && d < nowUtc).ToList();
        var supervised = flagged.Where(c => c.Supervised).ToList();
        var open = towns.Sum(t => t.Open);
        var text = new List<string>
        {
            $"### {title}",
            Date(day),
            "",
            "**总体情况**",
            $"- 在办线索：{open} 条，其中超期 {overdue.Count} 条，挂牌督办 {supervised.Count} 条",
            $"- 本年办结率：{Rate(f.ResolvedThisYear, f.ReportedThisYear)}（办结 {f.ResolvedThisYear} / 上报 {f.ReportedThisYear}）",
            f.Rated == 0 ? "- 满意率：暂无评价" : $"- 满意率：{Rate(f.Satisfied, f.Rated)}（满意及基本满意 {f.Satisfied} / 已评价 {f.Rated}）",
            $"- 服务指导覆盖：{f.SchoolsGuided} / {f.ActiveSchools} 所学校（近 90 天），{Rate(f.SchoolsGuided, f.ActiveSchools)}",
        };
        Totals("各镇街", towns);
        Totals("各条线", lines);
        List("超期线索", overdue, c => $"- {c.Number} · {c.SchoolName} · {c.UnitName ?? "待改派"}，期限 {Time(c.DueAt)}");
        List("挂牌督办", supervised, c => $"- {c.Number} · {c.SchoolName} · {c.UnitName ?? "待改派"}，督办期限 {Time(c.SupervisionDueAt)}");
        text.Add("");
        text.Add($"[在小程序中查看统计]({link})");
        return RobotMessage.Markdown(title, string.Join('\n', text));

        void Totals(string heading, IReadOnlyList<DigestTotal> rows)
        {
            if (rows.Count == 0) return;
            text.Add("");
            text.Add($"**{heading}**");
            text.AddRange(rows.Select(r => $"- {r.Name}：在办 {r.Open}，超期 {r.Overdue}"));
        }

        void List(string heading, IReadOnlyList<DigestClue> rows, Func<DigestClue, string> line)
        {
            if (rows.Count == 0) return;
            text.Add("");
            text.Add($"**{heading}**");
            text.AddRange(rows.Take(MaxListedDistrict).Select(line));
            if (rows.Count > MaxListedDistrict) text.Add($"- ……等共 {rows.Count} 条");
        }
    }

    /// <summary>"2026年12月1日（星期二）".</summary>
    public static string Date(DateOnly d) => $"{d.Year}年{d.Month}月{d.Day}日（{Weekdays[(int)d.DayOfWeek]}）";

    /// <summary>"87.5%"; "—" with nothing to divide by.</summary>
    public static string Rate(long part, long whole) =>
        whole == 0 ? "—" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Time(DateTime? utc) =>
        utc is { } t ? (t + HolidayTable.ChinaOffset).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture) : "—";
}
