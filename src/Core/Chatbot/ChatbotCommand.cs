using System.Text.RegularExpressions;

namespace SchoolSafety.Core.Chatbot;

public enum ChatbotVerb
{
    Help,
    ToDo,
    Query,
    Stats,
    Supervised,
}

/// <summary>What someone asked the robot; anything it does not understand is <see cref="ChatbotVerb.Help"/>.</summary>
public sealed partial record ChatbotCommand(ChatbotVerb Verb, string? Number = null)
{
    public static ChatbotCommand Parse(string? text)
    {
        // Group messages arrive with the robot's @-mention stripped or not, depending on the client: drop any.
        var t = AtMention().Replace(text ?? "", " ").Trim();
        if (t.Length == 0) return new(ChatbotVerb.Help);
        if (QueryPattern().Match(t) is { Success: true } m) return new(ChatbotVerb.Query, m.Groups[1].Value.ToUpperInvariant());
        return t switch
        {
            "我的待办" or "待办" => new(ChatbotVerb.ToDo),
            "统计" or "统计 今日" or "统计 本周" => new(ChatbotVerb.Stats),
            "督办清单" or "督办" => new(ChatbotVerb.Supervised),
            _ => new(ChatbotVerb.Help),
        };
    }

    [GeneratedRegex(@"@\S+")]
    private static partial Regex AtMention();

    [GeneratedRegex(@"^查询\s*([A-Za-z]{2}\d{8}-\d{4,})$")]
    private static partial Regex QueryPattern();
}
