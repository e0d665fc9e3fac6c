using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>A card as one person sees it: the title, its tag (e.g. the state), the link the card opens, and its blocks, top to bottom.</summary>
public sealed record CardView(string TemplateId, string Title, IReadOnlyList<CardBlock> Blocks, string? Tag = null, string? Url = null);

/// <summary>
/// One block: <c>markdown</c> or <c>text</c> (<see cref="Text"/>), <c>divider</c>, <c>input</c> (<see cref="Name"/>, the
/// callback parameter it fills, and <see cref="Placeholder"/>), or <c>buttons</c>.
/// </summary>
public sealed record CardBlock(string Type, string? Text = null, string? Name = null, string? Placeholder = null, IReadOnlyList<CardViewButton>? Buttons = null);

/// <summary>
/// A button the person sees: the id DingTalk sends as <c>actionIds</c>, its text, and the callback parameters it sends
/// (<c>actionType: request</c>); or, for a link button (<c>actionType: url</c>), the link it opens.
/// </summary>
public sealed record CardViewButton(string Id, string Text, string? Color, IReadOnlyDictionary<string, string> Params, string? Url = null);

/// <summary>
/// Draws a card from a DingTalk card template file (the card platform's export: <c>{editorData: "&lt;JSON&gt;", …}</c> whose
/// <c>schemaVersion</c> is 2.0.0 and <c>schema.componentsTree</c> holds a <c>StdCard</c> and its children, facts §11) with one
/// person's values: <c>${var}</c> bound from the shared data with their private data on top, components and buttons shown
/// only when their display condition holds, each button's callback parameters resolved (<c>variable</c> or <c>fixed</c>).
/// </summary>
public static partial class CardTemplateRenderer
{
    /// <summary>The template's <c>editorData</c> document (a JSON string in the export, or an object).</summary>
    public static JsonNode? EditorData(JsonNode? file)
    {
        var data = file?["editorData"];
        if (data is JsonValue v && v.GetValueKind() == JsonValueKind.String) return JsonNode.Parse(v.GetValue<string>());
        return data ?? file;
    }

    /// <summary>The root component (<c>schema.componentsTree</c>: an array whose first element is the card, or the card itself).</summary>
    public static JsonNode? Root(JsonNode? editorData)
    {
        var tree = editorData?["schema"]?["componentsTree"] ?? editorData?["componentsTree"];
        return tree is JsonArray a ? a.FirstOrDefault() : tree;
    }

    public static CardView Render(string templateId, JsonNode? root, IReadOnlyDictionary<string, string> vars)
    {
        var blocks = new List<CardBlock>();
        var props = root?["props"];
        var title = Text(props?["cardName"] ?? props?["title"], vars) ?? "";
        foreach (var child in Children(root)) Walk(child, vars, blocks);
        return new CardView(templateId, title, blocks, NullIfEmpty(Text(props?["tagText"], vars)), NullIfEmpty(Text(props?["url"], vars)));
    }

    private static void Walk(JsonNode? node, IReadOnlyDictionary<string, string> vars, List<CardBlock> blocks)
    {
        if (node is not JsonObject || !Visible(node, vars)) return;
        var props = node["props"];
        switch (node["componentName"]?.GetValue<string>())
        {
            case "Markdown":
                blocks.Add(new CardBlock("markdown", Text(props?["content"] ?? props?["text"], vars) ?? ""));
                break;
            case "Text":
            case "Title":
                blocks.Add(new CardBlock("text", Text(props?["content"] ?? props?["text"], vars) ?? ""));
                break;
            case "DividerBlock":
            case "Divider":
                blocks.Add(new CardBlock("divider"));
                break;
            case "Input":
                // The input fills a local variable (localVarAction), which the buttons send as a parameter of the same name.
                blocks.Add(new CardBlock("input",
                    Name: Str(props?["localVarAction"], "variable") ?? Str(props, "id") ?? Str(props, "variable") ?? "note",
                    Placeholder: Text(props?["placeholder"], vars) ?? Text(props?["title"], vars) ?? ""));
                break;
            case "ButtonBlock":
                var buttons = new List<CardViewButton>();
                foreach (var b in props?["buttons"] as JsonArray ?? [])
                    if (b is JsonObject && Visible(b, vars) && Str(b, "id") is { } id)
                        buttons.Add(Str(b, "actionType") == "url"
                            ? new CardViewButton(id, Text(b["text"], vars) ?? "", Str(b, "color"), new Dictionary<string, string>(), Text(b["url"], vars) ?? "")
                            : new CardViewButton(id, Text(b["text"], vars) ?? "", Str(b, "color"), Params(b["params"], vars)));
                if (buttons.Count > 0) blocks.Add(new CardBlock("buttons", Buttons: buttons));
                break;
        }
        foreach (var child in Children(node)) Walk(child, vars, blocks);
    }

    private static IEnumerable<JsonNode?> Children(JsonNode? node) => node?["children"] as JsonArray ?? [];

    /// <summary>
    /// Whether a component or button shows: not <c>hidden</c>, its <c>condition</c> holding (a boolean, or an expression
    /// string), and its <c>visible</c> (the builder's <c>dynamicVisible</c>: a fixed boolean, or a condition group).
    /// </summary>
    private static bool Visible(JsonNode node, IReadOnlyDictionary<string, string> vars)
    {
        foreach (var where in new[] { node, node["props"] })
        {
            if (where is not JsonObject o) continue;
            if (o["hidden"] is JsonValue h && h.GetValueKind() == JsonValueKind.True) return false;
            if (o["condition"] is JsonValue c && !(c.GetValueKind() == JsonValueKind.String ? Evaluate(c.GetValue<string>(), vars) : c.GetValueKind() != JsonValueKind.False))
                return false;
            if (o["visible"] is JsonNode v && !Shown(v, vars)) return false;
        }
        return true;
    }

    private static bool Shown(JsonNode visible, IReadOnlyDictionary<string, string> vars) => visible switch
    {
        JsonValue b when b.GetValueKind() is JsonValueKind.True or JsonValueKind.False => b.GetValueKind() == JsonValueKind.True,
        JsonValue e when e.GetValueKind() == JsonValueKind.String => Evaluate(e.GetValue<string>(), vars),
        JsonObject o when Str(o, "valueType") == "condition" => Group(o["condition"], vars),
        JsonObject o => o["value"] is not JsonValue f || f.GetValueKind() != JsonValueKind.False,
        _ => true,
    };

    /// <summary>A condition group <c>{op: and|or, conditions: [...]}</c>; each entry a group again or <c>{op, variable, value}</c>.</summary>
    private static bool Group(JsonNode? group, IReadOnlyDictionary<string, string> vars)
    {
        var entries = (group?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Select(c => c["conditions"] is JsonArray ? Group(c, vars) : Leaf(c, vars));
        return Str(group, "op") == "or" ? entries.DefaultIfEmpty(true).Any(x => x) : entries.All(x => x);
    }

    private static bool Leaf(JsonObject c, IReadOnlyDictionary<string, string> vars)
    {
        var v = vars.TryGetValue(Str(c, "variable") ?? "", out var x) ? x : "";
        var other = Str(c, "valueType") == "variable" ? vars.GetValueOrDefault(Str(c, "value") ?? "", "") : Str(c, "value") ?? "";
        return Str(c, "op") switch
        {
            "isTrue" => v == "true",
            "isFalse" => v != "true",
            "isEmpty" => v.Length == 0,
            "isNotEmpty" or "notEmpty" => v.Length > 0,
            "eq" or "equal" or "==" => v == other,
            "neq" or "notEqual" or "ne" or "!=" => v != other,
            "contains" => v.Contains(other, StringComparison.Ordinal),
            _ => true,
        };
    }

    /// <summary>
    /// A display condition: <c>${a}</c>, <c>!${a}</c>, <c>${a} == 'x'</c>, <c>${a} != "x"</c>, joined by <c>&amp;&amp;</c> or
    /// <c>||</c>. A bare value is true when it is non-empty and neither <c>false</c> nor <c>0</c>.
    /// </summary>
    public static bool Evaluate(string expression, IReadOnlyDictionary<string, string> vars)
    {
        var e = expression.Trim();
        if (e.StartsWith("${{", StringComparison.Ordinal) && e.EndsWith("}}", StringComparison.Ordinal)) e = e[3..^2];
        return e.Split("||").Any(or => or.Split("&&").All(term => Term(term.Trim(), vars)));
    }

    private static bool Term(string term, IReadOnlyDictionary<string, string> vars)
    {
        foreach (var op in new[] { "==", "!=" })
        {
            var i = term.IndexOf(op, StringComparison.Ordinal);
            if (i < 0) continue;
            var equal = Value(term[..i], vars) == Value(term[(i + 2)..], vars);
            return op == "==" ? equal : !equal;
        }
        if (term.StartsWith('!')) return !Term(term[1..].Trim(), vars);
        var v = Value(term, vars);
        return v.Length > 0 && v != "false" && v != "0";
    }

    private static string Value(string operand, IReadOnlyDictionary<string, string> vars)
    {
        var o = operand.Trim();
        if (o.Length >= 2 && (o[0] == '\'' || o[0] == '"') && o[^1] == o[0]) return o[1..^1];
        if (o.StartsWith("${", StringComparison.Ordinal) && o.EndsWith('}')) o = o[2..^1];
        return vars.TryGetValue(o, out var v) ? v : o is "true" or "false" ? o : "";
    }

    /// <summary>Each <c>${name}</c> replaced by the person's value (empty when they have none).</summary>
    public static string Bind(string text, IReadOnlyDictionary<string, string> vars) =>
        VariablePattern().Replace(text, m => vars.TryGetValue(m.Groups[1].Value, out var v) ? v : "");

    /// <summary>A button's 回传参数: <c>[{name, type: variable|fixed, variable, value}]</c>, or a plain map.</summary>
    private static Dictionary<string, string> Params(JsonNode? ps, IReadOnlyDictionary<string, string> vars)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ps is JsonArray list)
        {
            foreach (var p in list)
            {
                if (Str(p, "name") is not { } name) continue;
                result[name] = Str(p, "type") == "variable"
                    ? vars.TryGetValue(Str(p, "variable") ?? name, out var v) ? v : ""
                    : Bind(Str(p, "value") ?? "", vars);
            }
        }
        else if (ps is JsonObject map)
        {
            foreach (var (name, v) in map) result[name] = Text(v, vars) ?? "";
        }
        return result;
    }

    /// <summary>
    /// A text property: a plain string or <c>{content}</c> with <c>${var}</c> bound; a <c>{valueType: variable, variable}</c>
    /// is that variable's value, a <c>{valueType: fixed, value}</c> the value.
    /// </summary>
    private static string? Text(JsonNode? node, IReadOnlyDictionary<string, string> vars) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Bind(v.GetValue<string>(), vars),
        JsonObject o when Str(o, "valueType") == "variable" => vars.GetValueOrDefault(Str(o, "variable") ?? "", ""),
        JsonObject o when o["content"] is JsonValue => Text(o["content"], vars),
        JsonObject o when o["value"] is JsonValue value && value.GetValueKind() == JsonValueKind.String => Text(value, vars),
        JsonObject o => Text(o["text"], vars),
        _ => null,
    };

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    [GeneratedRegex(@"\$\{([A-Za-z0-9_.]+)\}")]
    private static partial Regex VariablePattern();
}
