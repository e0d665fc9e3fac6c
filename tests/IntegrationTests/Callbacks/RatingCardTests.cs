using System.Text.Json;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Callbacks;

/// <summary>
/// 回访 from the clue's card: a resolve delivers the card to the rater (the reporter) with 满意 / 基本满意 / 不满意 as their
/// private buttons, in place of a text notice; a click rates through the same service path as the mini-app.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class RatingCardTests(CallbacksHost host) : IClassFixture<CallbacksHost>
{
    private static string Shared(JsonElement reply, string key) => CallbacksHost.SharedValue(reply, key);
    private static string Private(JsonElement reply, string key) => CallbacksHost.PrivateValue(reply, key);

    private Task<(string State, string? Rating, bool Redo, int Version, long? Unit)> RowAsync(long id) =>
        host.QueryAsync<(string, string?, bool, int, long?)>("SELECT state, rating, redo, version, unit_id FROM clues WHERE id = @id", new { id })
            .ContinueWith(t => t.Result.Single());

    private Task<long> EventsAsync(long id) => host.ScalarAsync<long>("SELECT COUNT(*) FROM clue_events WHERE clue_id = @id", new { id });

    /// <summary>A clue of demo school <paramref name="school"/> accepted and resolved from the handler's card: version 3, Resolved.</summary>
    private async Task<(long Clue, string Handler, string Reporter, long Unit)> ResolvedAsync(int school)
    {
        var clue = await host.ReportAsync(school);
        var handler = await host.MemberDingTalkIdAsync(school, "POL");
        await host.ClickAsync(handler, clue.ClueId, 1, "accept");
        var (_, resolved) = await host.ClickAsync(handler, clue.ClueId, 2, "resolve", note: "已联系城管劝离摊贩");
        Assert.Equal("已办结", Shared(resolved, "state"));
        Assert.Equal("false", Private(resolved, "btn_rateSatisfied"));   // the handler never rates
        var row = await RowAsync(clue.ClueId);
        return (clue.ClueId, handler, $"demo-school{school:D2}-officer", row.Unit!.Value);
    }

    private Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> LatestPrivateAsync(long clueId) => host.LatestPrivateAsync(clueId);

    [Fact]
    public async Task Resolve_DeliversTheCardToTheRater_WithTheirRatingButtons_AndNoTextNotice()
    {
        var (clue, handler, reporter, _) = await ResolvedAsync(3);

        var to = await host.QueryAsync<string>(
            "SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = 'clue.card.deliver' AND JSON_EXTRACT(payload, '$.clueId') = @id AND JSON_EXTRACT(payload, '$.version') = 3",
            new { id = clue });
        Assert.Equal($"[{await host.UserAsync(reporter)}]", Assert.Single(to).Replace(" ", ""));
        Assert.Equal(0, await host.ScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox WHERE topic = 'clue.user.notice' AND JSON_EXTRACT(payload, '$.clueId') = @id", new { id = clue }));

        var buttons = await LatestPrivateAsync(clue);
        Assert.Equal(("true", "true", "true", "true"),
            (buttons[reporter]["btn_rateSatisfied"], buttons[reporter]["btn_rateBasic"], buttons[reporter]["btn_rateUnsatisfied"], buttons[reporter]["needsNote"]));
        Assert.Equal(CardComposer.RatingAsk, buttons[reporter]["notice"]);
        Assert.Equal(("false", "false", "false", ""),
            (buttons[handler]["btn_rateSatisfied"], buttons[handler]["btn_rateBasic"], buttons[handler]["btn_rateUnsatisfied"], buttons[handler]["notice"]));
    }

    [Theory]
    [InlineData("rateSatisfied", "Satisfied")]
    [InlineData("rateBasic", "Basic")]
    public async Task Click_SatisfiedOrBasic_RatesTheClue_ItStaysResolved_NoRatingButtonsAfter(string button, string rating)
    {
        var (clue, handler, reporter, unit) = await ResolvedAsync(button == "rateSatisfied" ? 4 : 5);

        var (_, reply) = await host.ClickAsync(reporter, clue, 3, button);

        Assert.Equal("感谢您的评价", Private(reply, "notice"));
        Assert.Equal("false", Private(reply, "btn_rateSatisfied"));
        Assert.Equal(("Resolved", rating, false, 4, unit), await RowAsync(clue));
        var buttons = await LatestPrivateAsync(clue);   // every copy refreshed: nobody has a rating button now
        Assert.All(new[] { reporter, handler }, who => Assert.Equal(("false", "false", "false"),
            (buttons[who]["btn_rateSatisfied"], buttons[who]["btn_rateBasic"], buttons[who]["btn_rateUnsatisfied"])));
        Assert.Equal("", buttons[reporter]["notice"]);
    }

    [Fact]
    public async Task Click_Unsatisfied_WithoutReasonRefused_ThenWithReason_RedoneAtTheResolvingUnit()
    {
        var (clue, handler, reporter, unit) = await ResolvedAsync(6);

        var (_, empty) = await host.ClickAsync(reporter, clue, 3, "rateUnsatisfied", note: " ");
        Assert.Equal("请填写不满意的原因", Private(empty, "notice"));
        Assert.False(empty.TryGetProperty("cardData", out _));
        Assert.Equal(("Resolved", null, false, 3, unit), await RowAsync(clue));

        var (_, redo) = await host.ClickAsync(reporter, clue, 3, "rateUnsatisfied", note: "摊贩第二天又回来了");
        Assert.Equal("已收到不满意评价，线索已退回重办", Private(redo, "notice"));
        Assert.Equal("待签收", Shared(redo, "state"));
        Assert.Equal(("PendingAcceptance", "Unsatisfied", true, 4, unit), await RowAsync(clue));
        var note = await host.ScalarAsync<string>("SELECT note FROM clue_events WHERE clue_id = @id AND version = 4", new { id = clue });
        Assert.Equal("不满意：摊贩第二天又回来了", note);
        // The resolving unit's staff get the card again, with 签收; the reporter's rating buttons are gone.
        var buttons = await LatestPrivateAsync(clue);
        Assert.Equal("true", buttons[handler]["btn_accept"]);
        Assert.Equal("false", buttons[reporter]["btn_rateUnsatisfied"]);
    }

    [Fact]
    public async Task Click_RatingByANonRater_Refused_NothingChanged()
    {
        var (clue, handler, _, unit) = await ResolvedAsync(7);

        var (_, reply) = await host.ClickAsync(handler, clue, 3, "rateSatisfied");   // the handler holds a copy, but is not the rater

        Assert.Equal(CardCallbackService.NoPermission, Private(reply, "notice"));
        Assert.False(reply.TryGetProperty("cardData", out _));
        Assert.Equal(("Resolved", null, false, 3, unit), await RowAsync(clue));
        Assert.Equal(3, await EventsAsync(clue));
    }

    [Fact]
    public async Task Click_Repeated_OrAnotherRatingOnTheSameCard_ChangesNothingTwice()
    {
        var (clue, _, reporter, unit) = await ResolvedAsync(8);
        await host.ClickAsync(reporter, clue, 3, "rateSatisfied");

        var (_, again) = await host.ClickAsync(reporter, clue, 3, "rateSatisfied");
        var (_, other) = await host.ClickAsync(reporter, clue, 3, "rateUnsatisfied", note: "改主意了");

        Assert.Equal("该操作已处理（感谢您的评价）", Private(again, "notice"));
        Assert.Equal("该操作已处理（感谢您的评价）", Private(other, "notice"));
        Assert.Equal("4", Shared(other, "version"));
        Assert.Equal(("Resolved", "Satisfied", false, 4, unit), await RowAsync(clue));
        Assert.Equal(4, await EventsAsync(clue));
        Assert.Equal(1, await host.ScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox WHERE topic = 'clue.card.update' AND JSON_EXTRACT(payload, '$.clueId') = @id AND JSON_EXTRACT(payload, '$.version') = 4",
            new { id = clue }));
    }

    [Fact]
    public async Task Resolve_ReporterHasLeft_TheCoLeadersGetTheRatingCard_AndOneOfThemRates()
    {
        var clue = await host.ReportAsync(9);
        var handler = await host.MemberDingTalkIdAsync(9, "POL");
        await host.ClickAsync(handler, clue.ClueId, 1, "accept");
        var reporter = await host.UserAsync("demo-school09-officer");
        await host.ScalarAsync<long>("UPDATE users SET active = FALSE WHERE id = @reporter; SELECT ROW_COUNT();", new { reporter });
        try
        {
            await host.ClickAsync(handler, clue.ClueId, 2, "resolve", note: "已处置");
            var coLeaders = await host.QueryAsync<string>("""
                SELECT u.dingtalk_user_id FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.role = 'CoLeader' AND m.school_id = (SELECT school_id FROM clues WHERE id = @id) ORDER BY u.id
                """, new { id = clue.ClueId });
            Assert.NotEmpty(coLeaders);
            var buttons = await LatestPrivateAsync(clue.ClueId);
            Assert.All(coLeaders, c => Assert.Equal("true", buttons[c]["btn_rateBasic"]));

            var (_, reply) = await host.ClickAsync(coLeaders[0], clue.ClueId, 3, "rateBasic");
            Assert.Equal("感谢您的评价", Private(reply, "notice"));
            Assert.Equal("Basic", (await RowAsync(clue.ClueId)).Rating);
        }
        finally
        {
            await host.ScalarAsync<long>("UPDATE users SET active = TRUE WHERE id = @reporter; SELECT ROW_COUNT();", new { reporter });
        }
    }
}
