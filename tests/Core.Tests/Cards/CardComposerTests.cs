using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Tests.Cards;

public sealed class CardComposerTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 3, 0, 0, DateTimeKind.Utc);   // 11:00 China time

    private static ClueView View(ClueState state = ClueState.InProgress, bool supervised = false) => new()
    {
        Clue = new ClueRow
        {
            Id = 42, Number = "XA20261130-0007", Description = "校门口有无证摊贩占道经营，\n放学时段拥堵", State = state, Tier = Tier.WorkGroup,
            DueAt = new DateTime(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc), Supervised = supervised,
            SupervisionDueAt = supervised ? new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc) : null, Version = 3,
        },
        SchoolName = "余杭区五常中心小学", ItemLabel = "校园周边治安", UnitName = "五常派出所", AssigneeName = "王伟",
        LastAction = ClueAction.Accept, LastActor = "王伟", LastAt = new DateTime(2026, 11, 30, 2, 5, 0, DateTimeKind.Utc),
    };

    [Fact]
    public void Shared_RendersEveryVariableAsAString_InChinaTime()
    {
        var vars = CardComposer.Shared(View(supervised: true), "link://42", Now);

        Assert.Equal(CardComposer.SharedKeys, vars.Keys);
        Assert.Equal("42", vars["clueId"]);
        Assert.Equal("3", vars["version"]);
        Assert.Equal("XA20261130-0007", vars["number"]);
        Assert.Equal("余杭区五常中心小学", vars["school"]);
        Assert.Equal("校园周边治安", vars["category"]);
        Assert.Equal("校门口有无证摊贩占道经营， 放学时段拥堵", vars["excerpt"]);
        Assert.Equal("处置中", vars["state"]);
        Assert.Equal("InProgress", vars["stateCode"]);
        Assert.Equal("护校安园工作组", vars["tier"]);
        Assert.Equal("五常派出所", vars["unit"]);
        Assert.Equal("王伟", vars["handler"]);
        Assert.Equal("2026-12-01 10:00", vars["dueAt"]);
        Assert.Equal("true", vars["overdue"]);
        Assert.Equal("true", vars["supervised"]);
        Assert.Equal("2026-12-04 18:00", vars["supervisionDueAt"]);
        Assert.Equal("王伟 签收 · 11-30 10:05", vars["lastAction"]);
        Assert.Equal("link://42", vars["detailUrl"]);
    }

    [Fact]
    public void Details_IsMarkdown_WithEveryTypedOrEnteredWordDefused()
    {
        var plain = View(supervised: true);
        var view = plain with
        {
            SchoolName = "[五常](https://evil.example) 小学", AssigneeName = "王**伟**",
            Clue = plain.Clue with { Description = "井盖缺失 <img src=x> 联系 13812345678" },
        };

        var details = CardComposer.Shared(view, "l", Now)["details"];

        Assert.Equal(string.Join('\n',
            "**学校**：［五常］（https：//evil.example） 小学",
            "**类别**：校园周边治安",
            "**层级**：护校安园工作组 · **责任单位**：五常派出所",
            "**处置人**：王＊＊伟＊＊",
            "**期限**：2026-12-01 10:00（已超期）",
            "**挂牌督办**：期限 2026-12-04 18:00",
            "**最近**：王伟 签收 · 11-30 10:05",
            "",
            "> 井盖缺失 ＜img src=x＞ 联系 138＊＊＊＊5678"), details);
    }

    [Fact]
    public void Shared_ClosedClue_NoDueTimeAndNotOverdue()
    {
        var vars = CardComposer.Shared(View(ClueState.Resolved), "l", Now);
        Assert.Equal("", vars["dueAt"]);
        Assert.Equal("false", vars["overdue"]);
        Assert.Equal("已办结", vars["state"]);
    }

    [Fact]
    public void Buttons_OnlyCardActions_EveryFlagPresent()
    {
        var vars = CardComposer.Buttons([ClueAction.Resolve, ClueAction.Escalate, ClueAction.Reassign, ClueAction.Urge]);

        Assert.Equal([new("resolve", "办结", true), new("escalate", "上报上级", true), new CardButton("urge", "催办", false)],
            CardComposer.ButtonList([ClueAction.Urge, ClueAction.Reassign, ClueAction.Escalate, ClueAction.Resolve]));
        Assert.Equal("true", vars["needsNote"]);
        Assert.Equal("true", vars["btn_resolve"]);
        Assert.Equal("false", vars["btn_accept"]);
        Assert.False(vars.ContainsKey("btn_reassign"));   // needs a form: only in the mini-app
        Assert.Equal(CardComposer.Choices.Count + 1, vars.Count);
    }

    [Fact]
    public void Private_NoButtons_AllFlagsFalse_WithNotice()
    {
        var vars = CardComposer.Private([], "无权操作");
        Assert.Equal("false", vars["needsNote"]);
        Assert.All(CardComposer.Choices, c => Assert.Equal("false", vars["btn_" + c.Code]));
        Assert.Equal("无权操作", vars["notice"]);
    }

    [Theory]
    [InlineData("accept", ClueAction.Accept)]
    [InlineData("rejectDispatch", ClueAction.RejectDispatch)]
    [InlineData(" RESOLVE ", ClueAction.Resolve)]
    public void Parse_CardActionCodes(string code, ClueAction expected) => Assert.Equal(expected, CardComposer.Parse(code));

    [Fact]
    public void Rating_ThreeButtonsForTheRater_NotesForUnsatisfied_AndTheAsk()
    {
        Assert.Equal([new("rateSatisfied", "满意", false), new("rateBasic", "基本满意", false), new CardButton("rateUnsatisfied", "不满意", true)],
            CardComposer.ButtonList([ClueAction.Rate]));
        var vars = CardComposer.Holder([ClueAction.Rate]);
        Assert.Equal(("true", "true", "true", "true"), (vars["btn_rateSatisfied"], vars["btn_rateBasic"], vars["btn_rateUnsatisfied"], vars["needsNote"]));
        Assert.Equal(CardComposer.RatingAsk, vars["notice"]);
        Assert.Equal("", CardComposer.Holder([ClueAction.Urge])["notice"]);
        Assert.Equal((ClueAction.Rate, ClueRating.Unsatisfied), (CardComposer.ParseChoice("rateUnsatisfied")!.Action, CardComposer.ParseChoice("rateUnsatisfied")!.Rating));
        Assert.Null(CardComposer.ParseChoice("rate"));   // no button sends the bare action
        Assert.Null(CardComposer.ParseChoice("accept")!.Rating);
    }

    [Theory]
    [InlineData("reassign")]
    [InlineData("rate")]
    [InlineData("report")]
    [InlineData("")]
    [InlineData(null)]
    public void Parse_NotACardAction_Null(string? code) => Assert.Null(CardComposer.Parse(code));

    [Fact]
    public void NeedsNote_ExactlyTheActionsThatTakeWords()
    {
        Assert.Equal([ClueAction.Resolve, ClueAction.Escalate, ClueAction.RejectDispatch, ClueAction.RejectResult, ClueAction.Return, ClueAction.RejectEscalation, ClueAction.RejectExtension],
            CardComposer.CardActions.Where(CardComposer.NeedsNote).Order().ToArray());
    }

    [Fact]
    public void Excerpt_LongText_CutAtSixtyCharacters()
    {
        var text = new string('路', 70);
        Assert.Equal(new string('路', 60) + "…", CardComposer.Excerpt(text));
    }

    [Fact]
    public void IdempotencyKey_PerCardVersionAndAction()
    {
        Assert.Equal("card:clue-42:v3:accept", CardComposer.IdempotencyKey(CardComposer.OutTrackId(42), 3, ClueAction.Accept));
    }
}

public sealed class CardCallbackTests
{
    [Fact]
    public void Parse_DocumentedBody_ReadsParamsFromTheContentString()
    {
        var click = CardCallback.Parse("""
            {"type":"actionCallback","outTrackId":"clue-42","corpId":"dingcorp","userId":"u1",
             "content":"{\"cardPrivateData\":{\"actionIds\":[\"1\"],\"params\":{\"action\":\"resolve\",\"clueId\":\"42\",\"version\":3,\"note\":\"已清理\"}}}"}
            """);
        Assert.NotNull(click);
        Assert.Equal(("clue-42", "u1", "dingcorp"), (click.OutTrackId, click.UserId, click.CorpId));
        Assert.Equal("resolve", click.Param("action"));
        Assert.Equal("3", click.Param("version"));
        Assert.Equal("已清理", click.Param("note"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"userId":"u1"}""")]
    [InlineData("""{"outTrackId":"t","content":"{broken"}""")]
    public void Parse_NotACardCallback_Null(string body) => Assert.Null(CardCallback.Parse(body));
}
