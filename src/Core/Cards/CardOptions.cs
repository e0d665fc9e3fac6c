namespace SchoolSafety.Core.Cards;

/// <summary>The clue card and the links into the mini-app (section <c>Cards</c>).</summary>
public sealed class CardOptions
{
    public const string Section = "Cards";

    /// <summary>Where a local run (Development, Testing) serves the mini-app's pages when <see cref="MiniAppUrl"/> is not set.</summary>
    public const string LocalMiniAppUrl = "http://127.0.0.1:5080";

    public const string MiniAppUrlRequired =
        "Cards:MiniAppUrl must be the mini-app's public https address (e.g. https://xa.example.gov.cn) outside Development and Testing: every link in cards, notices, digests, chatbot replies and to-dos opens its pages.";

    /// <summary>The clue card's template id in DingTalk's card platform (docs/cards.md lists its variables).</summary>
    public string TemplateId { get; set; } = "schoolsafety.clue";

    /// <summary>The HTTP callback route key registered for <c>POST /dingtalk/cards</c>; null means the callbacks come by Stream mode.</summary>
    public string? CallbackRouteKey { get; set; }

    /// <summary>Working days a supervision (挂牌督办) set from a card's button runs; the mini-app lets the admin pick the deadline.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 60)]
    public int SupervisionDays { get; set; } = 3;

    /// <summary>
    /// The mini-app's public base URL, where the mini-app host serves its pages (an H5 micro-app, domain.md §9): https outside
    /// Development and Testing; empty there, the local mini-app host (<see cref="LocalMiniAppUrl"/>).
    /// </summary>
    public string? MiniAppUrl { get; set; }

    /// <summary>The base URL links open, without a trailing slash.</summary>
    public string BaseUrl => (string.IsNullOrWhiteSpace(MiniAppUrl) ? LocalMiniAppUrl : MiniAppUrl.Trim()).TrimEnd('/');

    /// <summary>True when <see cref="MiniAppUrl"/> is an absolute https address with no query or fragment (required outside Development and Testing).</summary>
    public bool HasPublicMiniAppUrl =>
        Uri.TryCreate(MiniAppUrl?.Trim(), UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps && u.Query.Length == 0 && u.Fragment.Length == 0;

    /// <summary>The https address of a mini-app page, one of <see cref="MiniAppPages"/> (e.g. <c>/clues/42</c>).</summary>
    public string PageUrl(string page) => BaseUrl + (page.StartsWith('/') ? page : "/" + page);

    /// <summary>
    /// The one place links are made: a link that opens a mini-app page inside DingTalk, in DingTalk's H5 scheme (facts §11):
    /// <c>dingtalk://dingtalkclient/page/link?url=&lt;the page's https URL, encoded&gt;&amp;pc_slide=true</c> — in DingTalk's
    /// webview on the phone, in the PC client's side panel (<c>pc_slide</c>); inside DingTalk, so the page's free login works.
    /// </summary>
    public string Link(string page) => $"{LinkPrefix}{Uri.EscapeDataString(PageUrl(page))}&pc_slide=true";

    /// <summary>How every link starts.</summary>
    public const string LinkPrefix = "dingtalk://dingtalkclient/page/link?url=";

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
    /// <summary>上报线索.</summary>
    public const string Report = "/report";

    /// <summary>上报线索 for one school: its gate sign (公示牌) links here, and the page chooses that school.</summary>
    public static string ReportFor(long schoolId) => $"/report?schoolId={schoolId}";

    public static string Clue(long id) => $"/clues/{id}";

    public static string Guidance(long id) => $"/guidance/{id}";
}
