using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Tests.Cards;

/// <summary>
/// The card template files in <c>cards/</c> (docs/cards.md) against the code: every variable the code sends exists in its
/// template and every template variable is sent; the private (私有) ones are exactly the per-person ones; every button sends
/// the callback parameters the callback reads, with an action code the code knows, under the label the mini-app shows.
/// </summary>
public sealed partial class CardTemplateTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "cards");
    private static readonly DateTime Now = new(2026, 12, 1, 3, 0, 0, DateTimeKind.Utc);

    /// <summary>Each template file and what the code sends with it: shared variables (every copy) and private ones (each holder's).</summary>
    private static readonly Dictionary<string, (IReadOnlySet<string> Shared, IReadOnlySet<string> Private)> Sent = new()
    {
        ["clue.json"] = ClueCardSends(),
    };

    /// <summary>What the clue card's senders put in cardParamMap and privateData: delivery and refresh, the click reply, a notice alone.</summary>
    private static (IReadOnlySet<string>, IReadOnlySet<string>) ClueCardSends()
    {
        var view = new ClueView
        {
            Clue = new ClueRow
            {
                Id = 42, Number = "XA20261130-0007", Description = "校门口有无证摊贩", State = ClueState.InProgress, Tier = Tier.WorkGroup,
                DueAt = Now.AddHours(-1), Supervised = true, SupervisionDueAt = Now.AddDays(3), Version = 3,
            },
            SchoolName = "余杭区五常中心小学", ItemLabel = "校园周边治安", UnitName = "五常派出所", AssigneeName = "王伟",
            LastAction = ClueAction.Accept, LastActor = "王伟", LastAt = Now.AddDays(-1),
        };
        var all = CardComposer.CardActions;
        var shared = CardComposer.Card(view, [], "link", Now).Keys          // clue.card.deliver / clue.card.update (ClueCardRenderer)
            .Concat(CardComposer.Shared(view, "link", Now).Keys)             // a click's reply, every copy (CardCallbackService)
            .ToHashSet();
        var mine = CardComposer.Private(all, "已签收").Keys                   // privateData per holder, and a click's userPrivateData
            .Concat(CardComposer.Private([], "").Keys)
            .Concat(CardComposer.Holder([ClueAction.Rate]).Keys)             // a rater's copy (回访)
            .Concat(CardComposer.NoticeOnly("无权操作").Keys)
            .ToHashSet();
        return (shared, mine);
    }

    private static IEnumerable<string> Files() => Directory.EnumerateFiles(Folder, "*.json").Select(Path.GetFileName).Order()!;

    private static (JsonObject File, JsonObject Editor) Load(string file)
    {
        var outer = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, file)))!.AsObject();
        return (outer, JsonNode.Parse(outer["editorData"]!.GetValue<string>())!.AsObject());
    }

    private static Dictionary<string, JsonObject> Variables(JsonObject editor) =>
        editor["variableList"]!.AsArray().Select(v => v!.AsObject()).ToDictionary(v => v["name"]!.GetValue<string>());

    private static IEnumerable<JsonObject> Components(JsonObject editor)
    {
        IEnumerable<JsonObject> Walk(JsonObject n) =>
            new[] { n }.Concat((n["children"]?.AsArray() ?? []).SelectMany(c => Walk(c!.AsObject())));
        return editor["schema"]!["componentsTree"]!.AsArray().SelectMany(n => Walk(n!.AsObject()));
    }

    private static IEnumerable<JsonObject> Buttons(JsonObject editor) =>
        Components(editor).Where(c => c["componentName"]!.GetValue<string>() == "ButtonBlock")
            .SelectMany(c => c["props"]!["buttons"]!.AsArray().Select(b => b!.AsObject()));

    /// <summary>Every name a component binds or interpolates: <c>variable</c> fields and <c>${name}</c> in strings.</summary>
    private static IEnumerable<string> Referenced(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "variable" && p.Value is JsonValue v && v.GetValue<string>() is { Length: > 0 } name
            ? [name] : Referenced(p.Value)),
        JsonArray a => a.SelectMany(Referenced),
        JsonValue v when v.TryGetValue<string>(out var s) => Interpolated().Matches(s).Select(m => m.Groups[1].Value),
        _ => [],
    };

    [GeneratedRegex(@"\$\{(\w+)\}")]
    private static partial Regex Interpolated();

    [Fact]
    public void EveryTemplateFile_IsChecked_AndIsACardPlatformExport()
    {
        Assert.Equal(Sent.Keys.Order(), Files());
        foreach (var file in Files())
        {
            var (outer, editor) = Load(file);
            Assert.Equal(("standard", "card"), (outer["type"]!.GetValue<string>(), outer["mode"]!.GetValue<string>()));
            Assert.Equal("2.0.0", editor["schemaVersion"]!.GetValue<string>());
            var root = Assert.Single(editor["schema"]!["componentsTree"]!.AsArray())!;
            Assert.Equal("StdCard", root["componentName"]!.GetValue<string>());
            var used = Components(editor).Select(c => c["componentName"]!.GetValue<string>()).ToHashSet();
            var mapped = editor["schema"]!["componentsMap"]!.AsArray().Select(m => m!["componentName"]!.GetValue<string>()).ToHashSet();
            Assert.True(used.SetEquals(mapped), $"{file}: componentsMap lists {string.Join(',', mapped)}, the tree uses {string.Join(',', used)}");
            Assert.Equal(Components(editor).Count(), Components(editor).Select(c => c["id"]!.GetValue<string>()).Distinct().Count());
        }
    }

    [Fact]
    public void EveryVariableTheCodeSends_IsInItsTemplate_AndEveryTemplateVariableIsSent()
    {
        foreach (var (file, (shared, mine)) in Sent)
        {
            var declared = Variables(Load(file).Editor).Keys.ToHashSet();
            var sent = shared.Concat(mine).ToHashSet();
            Assert.True(sent.SetEquals(declared),
                $"{file}: sent but not in the template: [{string.Join(',', sent.Except(declared))}]; in the template but never sent: [{string.Join(',', declared.Except(sent))}]");
        }
    }

    [Fact]
    public void ThePrivateVariables_AreExactlyThePerPersonOnes()
    {
        foreach (var (file, (_, mine)) in Sent)
        {
            var marked = Variables(Load(file).Editor).Values.Where(v => v["private"]!.GetValue<bool>()).Select(v => v["name"]!.GetValue<string>()).ToHashSet();
            Assert.True(mine.SetEquals(marked), $"{file}: private in the code [{string.Join(',', mine.Order())}], marked 私有 [{string.Join(',', marked.Order())}]");
        }
        Assert.True(Sent["clue.json"].Private.SetEquals(CardComposer.PrivateKeys));
    }

    [Fact]
    public void EveryNameAComponentBinds_IsDeclared()
    {
        foreach (var file in Files())
        {
            var editor = Load(file).Editor;
            var declared = Variables(editor).Keys.Concat(editor["localList"]!.AsArray().Select(l => l!["name"]!.GetValue<string>())).ToHashSet();
            var unknown = Referenced(editor["schema"]).Where(n => !declared.Contains(n)).Distinct().ToList();
            Assert.True(unknown.Count == 0, $"{file}: components bind undeclared names [{string.Join(',', unknown)}]");
        }
    }

    [Fact]
    public void ClueCard_HasOneButtonPerCardAction_ShownByItsFlag_SendingTheCallbackParameters()
    {
        var editor = Load("clue.json").Editor;
        var requests = Buttons(editor).Where(b => b["actionType"]!.GetValue<string>() == "request").ToList();
        var codes = new List<string>();
        foreach (var b in requests)
        {
            var ps = b["params"]!.AsArray().Select(p => p!.AsObject()).ToDictionary(p => p["name"]!.GetValue<string>());
            Assert.Equal(CardComposer.CallbackParams.Order(), ps.Keys.Order());
            var action = ps["action"];
            Assert.Equal("fixed", action["type"]!.GetValue<string>());
            var code = action["value"]!.GetValue<string>();
            var parsed = CardComposer.ParseChoice(code);
            Assert.NotNull(parsed);
            Assert.Equal(code, parsed.Code);
            codes.Add(code);
            // The label the mini-app shows: the action's, or for a rating button (回访) the rating's.
            Assert.Equal(parsed.Rating is { } given ? given.Zh() : parsed.Action.Zh(), b["text"]!["content"]!.GetValue<string>());
            Assert.Equal(["btn_" + code], Referenced(b["visible"]));
            foreach (var name in new[] { "clueId", "version", "note" })
                Assert.Equal(("variable", name), (ps[name]["type"]!.GetValue<string>(), ps[name]["variable"]!.GetValue<string>()));
        }
        Assert.Equal(CardComposer.Choices.Select(c => c.Code), codes);
        // Every card action has its button; the rating has three, one per rating, and only 不满意 needs words.
        Assert.Equal(CardComposer.CardActions, CardComposer.Choices.Select(c => c.Action).Distinct());
        var rating = CardComposer.Choices.Where(c => c.Action == ClueAction.Rate).ToList();
        Assert.Equal([("rateSatisfied", "满意", false), ("rateBasic", "基本满意", false), ("rateUnsatisfied", "不满意", true)],
            rating.Select(c => (c.Code, c.Label, c.NeedsNote)));
        Assert.Equal([ClueRating.Satisfied, ClueRating.Basic, ClueRating.Unsatisfied], rating.Select(c => c.Rating!.Value));

        // The note comes from the input field, shown when a visible button needs words.
        var input = Assert.Single(Components(editor), c => c["componentName"]!.GetValue<string>() == "Input");
        Assert.Equal("note", input["props"]!["localVarAction"]!["variable"]!.GetValue<string>());
        Assert.Equal(["needsNote"], Referenced(input["props"]!["visible"]));
        // The text with data in it is markdown bound to `details` and `notice`, which the composer escapes; the excerpt is never markdown.
        var markdown = Components(editor).Where(c => c["componentName"]!.GetValue<string>() == "Markdown")
            .Select(c => c["props"]!["content"]!["variable"]!.GetValue<string>()).Order();
        Assert.Equal(["details", "notice"], markdown);
        var detail = Assert.Single(Buttons(editor), b => b["actionType"]!.GetValue<string>() == "url");
        Assert.Equal("detailUrl", detail["url"]!["variable"]!.GetValue<string>());
    }

    [Fact]
    public void MockData_HasAValueForEveryVariable_AsAString()
    {
        foreach (var file in Files())
        {
            var editor = Load(file).Editor;
            var data = editor["mockData"]!["cardData"]!.AsObject();
            foreach (var name in Variables(editor).Keys)
                Assert.True(data[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String, $"{file}: mockData.cardData.{name} is not a string");
        }
    }
}
