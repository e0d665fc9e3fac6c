using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

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
/// The card template files the simulator draws cards from, by template id: a file's <c>cardTemplateId</c>/<c>templateId</c>
/// when it names one, else its file name without <c>.json</c>; a template id the settings map to a file (<c>Cards:*TemplateId</c>
/// = the id a deployment imported it under) finds that file by the setting's default name too. Read once per change of the folder.
/// </summary>
public sealed class CardTemplateLibrary(IOptions<SimulatorOptions> options, IConfiguration configuration, IHostEnvironment env)
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
        // A deployment's own id (Cards:TemplateId = "a1b2….schema") is configured; the file keeps the product's name for it.
        foreach (var setting in configuration.GetSection("Cards").GetChildren())
            if (setting.Key.EndsWith("TemplateId", StringComparison.Ordinal) && setting.Value == templateId
                && all.TryGetValue(setting.Key, out var bySetting))
                return bySetting;
        return null;
    }

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
                foreach (var key in new[] { "cardTemplateId", "templateId", "setting" })
                    if (file?[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String) templates[v.GetValue<string>()] = root;
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
