using System.Text;
using System.Text.RegularExpressions;

namespace SchoolSafety.Core.Notifications;

/// <summary>
/// Text from data (what people typed, names an administrator entered) made fit for where it lands, in one place:
/// <see cref="Markdown"/> for DingTalk markdown (chat replies, group notices, digests), <see cref="Plain"/> for plain-text
/// messages and card variables. Both mask phone numbers (domain.md §8: chats and digests show none).
/// </summary>
public static partial class ChatText
{
    // A mainland mobile (11 digits from 1[3-9], optionally +86 and split by spaces or hyphens as 3-4-4) or a landline
    // (0 + 2-3 digit area code, a hyphen or space, 7-8 digits), not inside a longer run of digits.
    [GeneratedRegex(@"(?<![\d])(\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?![\d])")]
    private static partial Regex Mobile();

    [GeneratedRegex(@"(?<![\d])(0\d{2,3})([\s-])(\d{3,4})(\d{4})(?![\d])")]
    private static partial Regex Landline();

    /// <summary>Phone numbers as 138****5678 and 0571-****1234; everything else as it was.</summary>
    public static string MaskPhones(string text)
    {
        var masked = Mobile().Replace(text, m => $"{m.Groups[1].Value}{m.Groups[2].Value}****{m.Groups[4].Value}");
        return Landline().Replace(masked, m => $"{m.Groups[1].Value}{m.Groups[2].Value}****{m.Groups[4].Value}");
    }

    /// <summary>For plain text (text messages, card variables): phones masked.</summary>
    public static string Plain(string? text) => string.IsNullOrEmpty(text) ? "" : MaskPhones(text);

    /// <summary>
    /// For DingTalk markdown: phones masked, one line, and every sign markdown or HTML could read (<c>[ ] ( ) ! * _ # ` ~ | &lt; &gt;</c>
    /// and a line-leading <c>-</c>, <c>+</c>, <c>&gt;</c> or number) replaced by its full-width twin, which reads the same in
    /// Chinese; <c>://</c> is broken so no bare address becomes a link. What was typed stays readable, never markup.
    /// </summary>
    public static string Markdown(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var flat = string.Join(' ', MaskPhones(text).Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        var sb = new StringBuilder(flat.Length);
        foreach (var ch in flat)
        {
            sb.Append(ch switch
            {
                '[' => '［', ']' => '］', '(' => '（', ')' => '）', '!' => '！', '*' => '＊', '_' => '＿', '#' => '＃',
                '`' => '｀', '~' => '～', '|' => '｜', '<' => '＜', '>' => '＞', '\\' => '＼', '&' => '＆',
                _ => ch,
            });
        }
        var s = sb.Replace("://", "：//").Replace("www.", "www．").ToString();
        // A leading list or heading sign would start a list item: the full-width twin reads the same.
        if (s.Length > 0 && s[0] is '-' or '+') s = (s[0] == '-' ? '－' : '＋') + s[1..];
        return s;
    }
}
