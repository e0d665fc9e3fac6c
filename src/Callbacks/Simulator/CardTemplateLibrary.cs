using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Cards;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>The DingTalk simulator's settings (section <c>Simulator</c>, Development only).</summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>The mini-app's address, where a link opens the pages as the person viewed (the run command sets <c>http://127.0.0.1:5080</c>).</summary>
    public string MiniAppUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Where clicks and messages go over HTTP (this host's <c>/dingtalk/cards</c> and <c>/dingtalk/robot</c>); empty: the address the page was opened at.</summary>
    public string? CallbacksUrl { get; set; }

    /// <summary>The card template files (the card platform's exports); empty: <c>cards/</c> at the top of the repository.</summary>
    public string? CardTemplatesFolder { get; set; }
}

/// <summary>
/// The card template files the simulator draws cards from, by template id: the file name without <c>.json</c>, and the id
/// the setting that takes a file's template id holds (<c>Cards:TemplateId</c> → <c>cards/clue.json</c>). Read again when a
/// file in the folder changes.
/// </summary>
public sealed class CardTemplateLibrary(IOptions<SimulatorOptions> options, IOptions<CardOptions> cards, IHostEnvironment env)
{
    private readonly Lock _gate = new();
    private Dictionary<string, JsonNode>? _templates;
    private DateTime _stamp;

    public string? Folder { get; } = ResolveFolder(options.Value.CardTemplatesFolder, env.ContentRootPath);

    /// <summary>The template file for a card's template id (its root component), or null.</summary>
    public JsonNode? Find(string templateId)
    {
        var all = Load();
        if (all.TryGetValue(templateId, out var t)) return t;
        // The id a deployment imported the file under is a setting (docs/cards.md): that setting's file.
        foreach (var (setting, file) in BySetting)
            if (setting(cards.Value) == templateId && all.TryGetValue(file, out var bySetting)) return bySetting;
        return null;
    }

    /// <summary>Which setting takes which file's template id (docs/cards.md, "The template files").</summary>
    private static readonly (Func<CardOptions, string> Setting, string File)[] BySetting = [(o => o.TemplateId, "clue")];

    public IReadOnlyCollection<string> Ids => Load().Keys;

    private Dictionary<string, JsonNode> Load()
    {
        lock (_gate)
        {
            if (Folder is null || !Directory.Exists(Folder)) return _templates ??= [];
            var files = Directory.GetFiles(Folder, "*.json", SearchOption.AllDirectories);
            var stamp = files.Select(File.GetLastWriteTimeUtc).DefaultIfEmpty().Max();
            if (_templates is not null && stamp == _stamp) return _templates;
            var templates = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
            foreach (var f in files)
            {
                JsonNode? file;
                try
                {
                    file = JsonNode.Parse(File.ReadAllText(f));
                }
                catch (JsonException)
                {
                    continue;
                }
                var editor = CardTemplateRenderer.EditorData(file);
                if (CardTemplateRenderer.Root(editor) is not { } root) continue;
                templates[Path.GetFileNameWithoutExtension(f)] = root;
            }
            (_templates, _stamp) = (templates, stamp);
            return templates;
        }
    }

    private static string? ResolveFolder(string? configured, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured, contentRoot);
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SchoolSafety.sln"))) return Path.Combine(dir.FullName, "cards");
        return null;
    }
}
