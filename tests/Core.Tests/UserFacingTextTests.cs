using System.Text.RegularExpressions;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Tests;

/// <summary>
/// Every word a person reads is Chinese (issue 9): a scan of the product's source for the sentences it shows
/// (error titles with their codes, cards, notices, digests, chatbot replies) finds no code names, enum names or
/// English words in them.
/// </summary>
public sealed partial class UserFacingTextTests
{
    /// <summary>Latin words people do read in Chinese software: file types, sizes, and 钉钉用户 ID.</summary>
    private static readonly HashSet<string> Allowed = ["ID", "JPG", "PNG", "HEIC", "MB", "CSV", "Excel", "JSON", "XML"];

    [GeneratedRegex(@"""(?<code>[a-z][a-z0-9_]*\.[a-z0-9_.]+)"",\s*\$?""(?<title>(?:[^""\\\n]|\\.)*)""")]
    private static partial Regex CodeAndTitle();

    [GeneratedRegex(@"\$?""(?<text>(?:[^""\\\n]|\\.)*\p{IsCJKUnifiedIdeographs}(?:[^""\\\n]|\\.)*)""")]
    private static partial Regex ChineseLiteral();

    /// <summary>An interpolation hole, or one the literal match cut short at a quote inside it.</summary>
    [GeneratedRegex(@"\{[^{}]*(\}|$)")]
    private static partial Regex Hole();

    [GeneratedRegex(@"[A-Za-z]{2,}")]
    private static partial Regex LatinWord();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Cjk();

    private static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SchoolSafety.sln"))) return Path.Combine(dir.FullName, "src");
        throw new InvalidOperationException("The repository root (SchoolSafety.sln) was not found above the test binaries.");
    }

    /// <summary>The product's C# lines that are code (comments and log message templates are for engineers).</summary>
    private static IEnumerable<(string File, int Line, string Text)> CodeLines() =>
        Directory.EnumerateFiles(SourceRoot(), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            // Not read by the product's people: DingTalk's endpoint names (the typed client and its metering), and the
            // Development-only four-platforms simulator, an HTML page for integrators that names the wire fields.
            .Where(f => !f.Contains(Path.Combine("Core", "DingTalk") + Path.DirectorySeparatorChar) && !f.Contains(Path.Combine("Callbacks", "Simulator") + Path.DirectorySeparatorChar))
            .SelectMany(f => File.ReadLines(f).Select((text, i) => (File: Path.GetRelativePath(SourceRoot(), f), Line: i + 1, Text: text)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && !l.Text.Contains("[LoggerMessage", StringComparison.Ordinal)
                        && !l.Text.Contains("Regex(", StringComparison.Ordinal));

    private static IEnumerable<string> Foreign(string sentence) =>
        LatinWord().Matches(Hole().Replace(sentence, "")).Select(m => m.Value).Where(w => !Allowed.Contains(w));

    [Fact]
    public void EveryErrorCode_HasAChineseTitle_WithoutCodeNames()
    {
        var pairs = CodeLines()
            .SelectMany(l => CodeAndTitle().Matches(l.Text).Select(m => (l.File, l.Line, Code: m.Groups["code"].Value, Title: m.Groups["title"].Value)))
            .Where(p => !p.Title.StartsWith('/'))   // DingTalk endpoint names beside their paths, not titles
            .ToList();
        Assert.True(pairs.Count > 150, $"only {pairs.Count} code/title pairs found: the scan is broken");
        var bad = pairs.Where(p => !Cjk().IsMatch(p.Title) || Foreign(p.Title).Any()).Select(p => $"{p.File}:{p.Line} {p.Code} \"{p.Title}\"").ToList();
        Assert.True(bad.Count == 0, "titles that are not plain Chinese:\n" + string.Join('\n', bad));
    }

    [Fact]
    public void EveryChineseSentence_InTheProduct_HasNoLatinCodeNames()
    {
        var sentences = CodeLines()
            .SelectMany(l => ChineseLiteral().Matches(l.Text).Select(m => (l.File, l.Line, Text: m.Groups["text"].Value)))
            .ToList();
        Assert.True(sentences.Count > 300, $"only {sentences.Count} Chinese sentences found: the scan is broken");
        var bad = sentences.Where(s => Foreign(s.Text).Any()).Select(s => $"{s.File}:{s.Line} \"{s.Text}\"").ToList();
        Assert.True(bad.Count == 0, "sentences with Latin words:\n" + string.Join('\n', bad));
    }

    [Fact]
    public void EveryStateActionTierRequestAndRating_HasAChineseName()
    {
        var names = Enum.GetValues<ClueState>().Select(v => (v.ToString(), v.Zh()))
            .Concat(Enum.GetValues<ClueAction>().Select(v => (v.ToString(), v.Zh())))
            .Concat(Enum.GetValues<Tier>().Select(v => (v.ToString(), v.Zh())))
            .Concat(Enum.GetValues<PendingRequest>().Select(v => (v.ToString(), v.Zh())))
            .Concat(Enum.GetValues<ClueRating>().Select(v => (v.ToString(), v.Zh())));
        Assert.All(names, n => Assert.True(Cjk().IsMatch(n.Item2) && !LatinWord().IsMatch(n.Item2), $"{n.Item1} reads \"{n.Item2}\""));
    }
}
