using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>A card as one person sees it: the title and its blocks, top to bottom.</summary>
public sealed record CardView(string TemplateId, string Title, IReadOnlyList<CardBlock> Blocks);

/// <summary>
/// One block: <c>markdown</c> or <c>text</c> (<see cref="Text"/>), <c>divider</c>, <c>input</c> (<see cref="Name"/>, the
/// callback parameter it fills, and <see cref="Placeholder"/>), or <c>buttons</c>.
/// </summary>
public sealed record CardBlock(string Type, string? Text = null, string? Name = null, string? Placeholder = null, IReadOnlyList<CardViewButton>? Buttons = null);

/// <summary>A button the person sees: the id DingTalk sends as <c>actionIds</c>, its text, and the callback parameters it sends.</summary>
public sealed record CardViewButton(string Id, string Text, string? Color, IReadOnlyDictionary<string, string> Params);

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
        var title = Bind(Content(root?["props"]?["cardName"]) ?? Content(root?["props"]?["title"]) ?? "", vars);
        foreach (var child in Children(root)) Walk(child, vars, blocks);
        return new CardView(templateId, title, blocks);
    }

    private static void Walk(JsonNode? node, IReadOnlyDictionary<string, string> vars, List<CardBlock> blocks)
    {
        if (node is not JsonObject || !Visible(node, vars)) return;
        var props = node["props"];
        switch (node["componentName"]?.GetValue<string>())
        {
            case "Markdown":
                blocks.Add(new CardBlock("markdown", Bind(Content(props?["content"]) ?? Content(props?["text"]) ?? "", vars)));
                break;
            case "Text":
            case "Title":
                blocks.Add(new CardBlock("text", Bind(Content(props?["content"]) ?? Content(props?["text"]) ?? "", vars)));
                break;
            case "DividerBlock":
            case "Divider":
                blocks.Add(new CardBlock("divider"));
                break;
            case "Input":
                blocks.Add(new CardBlock("input", Name: Str(props, "variable") ?? Str(props, "name") ?? Str(props, "paramName") ?? "note",
                    Placeholder: Bind(Content(props?["placeholder"]) ?? "", vars)));
                break;
            case "ButtonBlock":
            case "Button":
                var buttons = new List<CardViewButton>();
                foreach (var b in props?["buttons"] as JsonArray ?? (node["componentName"]!.GetValue<string>() == "Button" ? [props?.DeepClone()] : []))
                    if (b is JsonObject && Visible(b, vars) && Str(b, "id") is { } id)
                        buttons.Add(new CardViewButton(id, Bind(Content(b["text"]) ?? "", vars), Str(b, "color"), Params(b["params"], vars)));
                if (buttons.Count > 0) blocks.Add(new CardBlock("buttons", Buttons: buttons));
                break;
        }
        foreach (var child in Children(node)) Walk(child, vars, blocks);
    }

    private static IEnumerable<JsonNode?> Children(JsonNode? node) => node?["children"] as JsonArray ?? [];

    /// <summary>The display condition of a component or button: <c>condition</c>/<c>visible</c> (true shows) or <c>hidden</c> (true hides), at the node or in its props.</summary>
    private static bool Visible(JsonNode node, IReadOnlyDictionary<string, string> vars)
    {
        foreach (var where in new[] { node, node["props"] })
        {
            if (where is not JsonObject o) continue;
            foreach (var name in new[] { "condition", "visible", "visibleCondition" })
                if (o[name] is JsonNode c && !Truthy(c, vars)) return false;
            if (o["hidden"] is JsonNode h && Truthy(h, vars)) return false;
        }
        return true;
    }

    private static bool Truthy(JsonNode c, IReadOnlyDictionary<string, string> vars) =>
        c is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValueKind() == JsonValueKind.True
            : Evaluate(Content(c) ?? c.ToJsonString(), vars);

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
            foreach (var (name, v) in map) result[name] = Bind(Content(v) ?? "", vars);
        }
        return result;
    }

    /// <summary>A text property: a plain string, or <c>{content}</c> / <c>{text}</c>.</summary>
    private static string? Content(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject o => Content(o["content"]) ?? Content(o["text"]),
        _ => null,
    };

    private static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    [GeneratedRegex(@"\$\{([A-Za-z0-9_.]+)\}")]
    private static partial Regex VariablePattern();
}
