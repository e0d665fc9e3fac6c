namespace SchoolSafety.Core.Cards;

/// <summary>The clue card and the links into the mini-app (section <c>Cards</c>).</summary>
public sealed class CardOptions
{
    public const string Section = "Cards";

    /// <summary>The clue card's template id in DingTalk's card platform (docs/cards.md lists its variables).</summary>
    public string TemplateId { get; set; } = "schoolsafety.clue";

    /// <summary>The HTTP callback route key registered for <c>POST /dingtalk/cards</c>; null means the callbacks come by Stream mode.</summary>
    public string? CallbackRouteKey { get; set; }

    /// <summary>Working days a supervision (挂牌督办) set from a card's button runs; the mini-app lets the admin pick the deadline.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 60)]
    public int SupervisionDays { get; set; } = 3;

    /// <summary>The mini-app's id in DingTalk (links open its pages).</summary>
    public string MiniAppId { get; set; } = "schoolsafety";

    /// <summary>A link that opens a mini-app page, one of <see cref="MiniAppPages"/> (e.g. <c>/clues/42</c>).</summary>
    public string Link(string page) =>
        $"dingtalk://dingtalkclient/action/open_mini_app?miniAppId={Uri.EscapeDataString(MiniAppId)}&page={Uri.EscapeDataString(page)}";

    public string ClueLink(long clueId) => Link(MiniAppPages.Clue(clueId));

    public string GuidanceLink(long recordId) => Link(MiniAppPages.Guidance(recordId));
}

/// <summary>
/// The mini-app's pages that cards, notices, digests, the chatbot and to-dos link to: the routes of its router
/// (<c>src/MiniApp.Api/ClientApp/src/router.js</c>; a test checks each one is there). One place, so no link names a page
/// that does not exist.
/// </summary>
public static class MiniAppPages
{
    public const string Home = "/";
    public const string Todos = "/todos";
    public const string Clues = "/clues";
    public const string Statistics = "/statistics";

    public static string Clue(long id) => $"/clues/{id}";

    public static string Guidance(long id) => $"/guidance/{id}";
}
