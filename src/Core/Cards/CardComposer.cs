using System.Globalization;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Cards;

/// <summary>One button as the card shows it: the action code the template sends back, its label, and whether it needs the input field.</summary>
public sealed record CardButton(string Action, string Label, bool NeedsNote);

/// <summary>
/// One request button of the template: the code it sends back (<c>params.action</c>), the action it stands for and, for the
/// rating (回访), the rating it gives; its label, and whether it needs the input field.
/// </summary>
public sealed record CardChoice(string Code, ClueAction Action, ClueRating? Rating, string Label, bool NeedsNote)
{
    public CardButton Button => new(Code, Label, NeedsNote);
}

/// <summary>
/// The clue card's variables (docs/cards.md), pure: what every copy shows (<see cref="Shared"/>) and what only one
/// person sees (<see cref="Private"/>: their buttons and a notice). Values are strings, as DingTalk requires.
/// </summary>
public static class CardComposer
{
    public const int ExcerptLength = 60;

    /// <summary>
    /// Actions a card button can carry: everything else needs a form (a target person, a category) in the mini-app.
    /// Supervise (挂牌督办) from a card takes the default supervision deadline (<see cref="CardOptions.SupervisionDays"/>).
    /// </summary>
    public static readonly IReadOnlyList<ClueAction> CardActions =
    [
        ClueAction.Accept, ClueAction.Resolve, ClueAction.Escalate, ClueAction.Return, ClueAction.ProposeDispatch,
        ClueAction.ApproveDispatch, ClueAction.RejectDispatch, ClueAction.ConfirmResult, ClueAction.RejectResult,
        ClueAction.Withdraw, ClueAction.Urge, ClueAction.Reopen,
        ClueAction.ApproveEscalation, ClueAction.RejectEscalation, ClueAction.ApproveExtension, ClueAction.RejectExtension,
        ClueAction.Supervise, ClueAction.Rate,
    ];

    /// <summary>The ratings the rating (回访) buttons give, in the card's order; 不满意 needs a reason from the input field.</summary>
    public static readonly IReadOnlyList<ClueRating> CardRatings = [ClueRating.Satisfied, ClueRating.Basic, ClueRating.Unsatisfied];

    /// <summary>
    /// The template's request buttons in order: one per card action, its code the action's (<see cref="Code(ClueAction)"/>),
    /// except the rating, which is three buttons (<c>rateSatisfied</c> 满意, <c>rateBasic</c> 基本满意, <c>rateUnsatisfied</c> 不满意).
    /// </summary>
    public static readonly IReadOnlyList<CardChoice> Choices = CardActions.SelectMany(a => a == ClueAction.Rate
        ? CardRatings.Select(r => new CardChoice(Code(a) + r.ToString(), a, r, r.Zh(), r == ClueRating.Unsatisfied))
        : [new CardChoice(Code(a), a, null, a.Zh(), NeedsNote(a))]).ToList();

    /// <summary>Shared variables every copy shows; the buttons are separate (<see cref="Buttons"/>).</summary>
    public static readonly IReadOnlyList<string> SharedKeys =
    [
        "clueId", "version", "number", "school", "category", "excerpt", "state", "stateCode", "tier", "unit", "handler",
        "dueAt", "overdue", "supervised", "supervisionDueAt", "lastAction", "detailUrl", "details",
    ];

    /// <summary>The variables only one person's copy shows (marked 私有 in the template): their buttons and a notice.</summary>
    public static IReadOnlyList<string> PrivateKeys { get; } = [.. Choices.Select(c => $"btn_{c.Code}"), "needsNote", "notice"];

    /// <summary>The callback parameters (回传参数) every request button of the template sends, read by <see cref="CardCallbackService"/>.</summary>
    public static readonly IReadOnlyList<string> CallbackParams = ["action", "clueId", "version", "note"];

    /// <summary>Actions that take their words from the card's input field (<c>note</c>) and refuse an empty one (of the ratings, 不满意 too).</summary>
    public static bool NeedsNote(ClueAction a) =>
        a is ClueAction.Resolve or ClueAction.Escalate or ClueAction.Return or ClueAction.RejectDispatch or ClueAction.RejectResult
            or ClueAction.RejectEscalation or ClueAction.RejectExtension;

    /// <summary>The code a button sends back as <c>params.action</c>: the action's name in camelCase (<c>accept</c>, <c>rejectDispatch</c>).</summary>
    public static string Code(ClueAction a)
    {
        var name = a.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    /// <summary>A button's action code back to the action; null for anything that is not a card action.</summary>
    public static ClueAction? Parse(string? code) => ParseChoice(code)?.Action;

    /// <summary>A button's code back to the button (the action, and the rating a rating button gives); null for anything else.</summary>
    public static CardChoice? ParseChoice(string? code) =>
        string.IsNullOrWhiteSpace(code) ? null : Choices.FirstOrDefault(c => string.Equals(c.Code, code.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The one card instance of a clue: every recipient's copy, so one update refreshes them all.</summary>
    public static string OutTrackId(long clueId) => $"clue-{clueId}";

    /// <summary>The idempotency key a click carries: one per card, version and action (ClueService scopes it per person).</summary>
    public static string IdempotencyKey(string outTrackId, int version, ClueAction action) => $"card:{outTrackId}:v{version}:{Code(action)}";

    /// <summary>What every copy of the card shows: the clue's state, where it is, who holds it, and who did what last.</summary>
    public static Dictionary<string, string> Shared(ClueView v, string detailUrl, DateTime nowUtc)
    {
        var c = v.Clue;
        return new Dictionary<string, string>
        {
            ["clueId"] = c.Id.ToString(CultureInfo.InvariantCulture),
            ["version"] = c.Version.ToString(CultureInfo.InvariantCulture),
            ["number"] = c.Number,
            ["school"] = v.SchoolName,
            ["category"] = v.ItemLabel,
            ["excerpt"] = Excerpt(c.Description),
            ["state"] = c.State.Zh(),
            ["stateCode"] = c.State.ToString(),
            ["tier"] = c.Tier.Zh(),
            ["unit"] = v.UnitName ?? (c.Unrouted ? "待工作组组长改派" : ""),
            ["handler"] = Notifications.ChatText.Plain(v.AssigneeName),
            ["dueAt"] = c.State.IsOpen() ? ChinaTime(c.DueAt) : "",
            ["overdue"] = Bool(c.State.IsOpen() && c.DueAt is { } due && due < nowUtc),
            ["supervised"] = Bool(c.Supervised),
            ["supervisionDueAt"] = c.Supervised ? ChinaTime(c.SupervisionDueAt) : "",
            ["lastAction"] = LastAction(v),
            ["detailUrl"] = detailUrl,
            ["details"] = Details(v, nowUtc),
        };
    }

    /// <summary>
    /// The card's body as DingTalk markdown (the template's only markdown component): every value from data through
    /// <see cref="Notifications.ChatText.Markdown"/>, so a typed or administrator-entered word never becomes markup.
    /// </summary>
    public static string Details(ClueView v, DateTime nowUtc)
    {
        static string M(string? s) => Notifications.ChatText.Markdown(s);
        var c = v.Clue;
        var lines = new List<string>
        {
            $"**学校**：{M(v.SchoolName)}",
            $"**类别**：{M(v.ItemLabel)}",
            $"**层级**：{c.Tier.Zh()} · **责任单位**：{M(v.UnitName ?? (c.Unrouted ? "待工作组组长改派" : "—"))}",
        };
        if (!string.IsNullOrEmpty(v.AssigneeName)) lines.Add($"**处置人**：{M(v.AssigneeName)}");
        if (c.State.IsOpen() && c.DueAt is { } due) lines.Add($"**期限**：{ChinaTime(due)}{(due < nowUtc ? "（已超期）" : "")}");
        if (c.Supervised) lines.Add($"**挂牌督办**：期限 {ChinaTime(c.SupervisionDueAt)}");
        if (LastAction(v) is { Length: > 0 } last) lines.Add($"**最近**：{M(last)}");
        lines.Add("");
        lines.Add($"> {M(Excerpt(c.Description))}");
        return string.Join('\n', lines);
    }

    /// <summary>The buttons a person may press now, in the card's order, with their labels (the template's buttons carry the same labels).</summary>
    public static IReadOnlyList<CardButton> ButtonList(IEnumerable<ClueAction> available)
    {
        var set = available.ToHashSet();
        return Choices.Where(c => set.Contains(c.Action)).Select(c => c.Button).ToList();
    }

    /// <summary>
    /// The button variables: one <c>btn_&lt;code&gt;</c> flag per button (the template's fixed buttons show on it),
    /// every flag present so that a button that no longer applies disappears; <c>needsNote</c> shows the input field when
    /// a visible button needs words.
    /// </summary>
    public static Dictionary<string, string> Buttons(IEnumerable<ClueAction> available)
    {
        var buttons = ButtonList(available);
        var vars = new Dictionary<string, string> { ["needsNote"] = Bool(buttons.Any(b => b.NeedsNote)) };
        foreach (var c in Choices) vars[$"btn_{c.Code}"] = Bool(buttons.Any(b => b.Action == c.Code));
        return vars;
    }

    /// <summary>What only the clicker sees: their buttons and a notice (<c>notice</c>, empty for none; markdown-safe).</summary>
    public static Dictionary<string, string> Private(IEnumerable<ClueAction> available, string notice)
    {
        var vars = Buttons(available);
        vars["notice"] = Notifications.ChatText.Markdown(notice);
        return vars;
    }

    /// <summary>What a rater's copy says while the rating buttons are theirs (回访).</summary>
    public const string RatingAsk = "线索已办结，请对处理结果回访评价：满意、基本满意或不满意（不满意请填写原因）";

    /// <summary>A holder's private values on a delivery or refresh: their buttons, and the rating ask when the rating is theirs.</summary>
    public static Dictionary<string, string> Holder(IReadOnlyCollection<ClueAction> available) =>
        Private(available, available.Contains(ClueAction.Rate) ? RatingAsk : "");

    /// <summary>A notice alone, leaving the clicker's buttons as they are.</summary>
    public static Dictionary<string, string> NoticeOnly(string notice) => new() { ["notice"] = Notifications.ChatText.Markdown(notice) };

    /// <summary>The whole card for a delivery or a refresh: shared variables, buttons and an empty notice.</summary>
    public static Dictionary<string, string> Card(ClueView v, IEnumerable<ClueAction> buttons, string detailUrl, DateTime nowUtc)
    {
        var vars = Shared(v, detailUrl, nowUtc);
        foreach (var (k, value) in Buttons(buttons)) vars[k] = value;
        vars["notice"] = "";
        return vars;
    }

    /// <summary>The description on one line, phones masked first (so no cut leaves part of a number), at most <see cref="ExcerptLength"/>.</summary>
    public static string Excerpt(string text)
    {
        var flat = string.Join(' ', Notifications.ChatText.MaskPhones(text).Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        var info = new StringInfo(flat);
        return info.LengthInTextElements <= ExcerptLength ? flat : info.SubstringByTextElements(0, ExcerptLength) + "…";
    }

    /// <summary>"王伟 签收 · 11-30 10:05" (China time), or empty before anything happened.</summary>
    public static string LastAction(ClueView v) =>
        v.LastAction is { } a && v.LastActor is { } who && v.LastAt is { } at
            ? $"{who} {a.Zh()} · {(at + HolidayTable.ChinaOffset).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture)}"
            : "";

    /// <summary>A UTC time as China time, "2026-12-01 10:00"; empty for none.</summary>
    public static string ChinaTime(DateTime? utc) =>
        utc is { } t ? (t + HolidayTable.ChinaOffset).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";

    private static string Bool(bool b) => b ? "true" : "false";
}
