using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SchoolSafety.Callbacks.Simulator;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.IntegrationTests.Hosts;

namespace SchoolSafety.IntegrationTests.Callbacks;

/// <summary>
/// The simulator's two pure parts, without hosts: drawing cards/clue.json with one person's values (what DingTalk's client
/// would show), and rebuilding chats, cards and to-dos from recorded calls (docs/cards.md, "The recording").
/// </summary>
[Collection(Infrastructure.DatabaseCollection.Name)]
public sealed class SimulatorCardTests(Infrastructure.TestDatabase db)
{
    private static JsonNode ClueTemplate() =>
        CardTemplateRenderer.Root(CardTemplateRenderer.EditorData(JsonNode.Parse(File.ReadAllText(Path.Combine(DeploymentTests.RepoRoot(), "cards", "clue.json")))))!;

    private static Dictionary<string, string> Vars(params ClueAction[] mine)
    {
        var vars = new Dictionary<string, string>
        {
            ["clueId"] = "42", ["version"] = "3", ["number"] = "XA20261201-0007", ["state"] = "处置中", ["details"] = "**学校**：余杭区五常中心小学",
            ["detailUrl"] = "dingtalk://dingtalkclient/page/link?url=http%3A%2F%2F127.0.0.1%3A5080%2Fclues%2F42&pc_slide=true",
        };
        foreach (var (k, v) in CardComposer.Private(mine, "已签收")) vars[k] = v;
        return vars;
    }

    [Fact]
    public void ClueCard_ShowsExactlyThePersonsButtons_WithTheirCallbackParameters()
    {
        var view = CardTemplateRenderer.Render("clue", ClueTemplate(), Vars(ClueAction.Resolve, ClueAction.Escalate));
        Assert.Equal("校园安全线索 XA20261201-0007", view.Title);
        Assert.Equal("处置中", view.Tag);
        var buttons = view.Blocks.Where(b => b.Buttons is not null).SelectMany(b => b.Buttons!).ToList();
        Assert.Equal(["办结", "上报上级", "查看详情"], buttons.Select(b => b.Text));
        var resolve = buttons[0];
        Assert.Equal("resolve", resolve.Id);
        Assert.Equal(new Dictionary<string, string> { ["action"] = "resolve", ["clueId"] = "42", ["version"] = "3", ["note"] = "" }, resolve.Params);
        Assert.Equal("dingtalk://dingtalkclient/page/link?url=http%3A%2F%2F127.0.0.1%3A5080%2Fclues%2F42&pc_slide=true", buttons[2].Url);
        // Both need words: the input field shows, filling the parameter note.
        Assert.Equal("note", Assert.Single(view.Blocks, b => b.Type == "input").Name);
        Assert.Contains(view.Blocks, b => b.Type == "markdown" && b.Text == "已签收");
    }

    [Fact]
    public void ClueCard_ForTheRater_ShowsTheThreeRatingButtons_AndTheInputForTheReason()
    {
        var view = CardTemplateRenderer.Render("clue", ClueTemplate(), Vars(ClueAction.Rate));
        var buttons = view.Blocks.Where(b => b.Buttons is not null).SelectMany(b => b.Buttons!).ToList();
        Assert.Equal(["满意", "基本满意", "不满意", "查看详情"], buttons.Select(b => b.Text));
        Assert.Equal(new Dictionary<string, string> { ["action"] = "rateUnsatisfied", ["clueId"] = "42", ["version"] = "3", ["note"] = "" }, buttons[2].Params);
        Assert.Equal("note", Assert.Single(view.Blocks, b => b.Type == "input").Name);
    }

    [Fact]
    public void ClueCard_ForSomeoneWithNoActions_HasNoActionButtonsAndNoInput()
    {
        var view = CardTemplateRenderer.Render("clue", ClueTemplate(), Vars());
        Assert.Equal(["detail"], view.Blocks.Where(b => b.Buttons is not null).SelectMany(b => b.Buttons!).Select(b => b.Id));
        Assert.DoesNotContain(view.Blocks, b => b.Type == "input");
    }

    [Fact]
    public void EveryCardAction_HasOneButton_ShownByItsFlag()
    {
        foreach (var action in CardComposer.CardActions)
        {
            var ids = CardTemplateRenderer.Render("clue", ClueTemplate(), Vars(action)).Blocks
                .Where(b => b.Buttons is not null).SelectMany(b => b.Buttons!).Select(b => b.Id).ToList();
            Assert.Equal([.. CardComposer.Choices.Where(c => c.Action == action).Select(c => c.Code), "detail"], ids);
        }
    }

    [Fact]
    public async Task Recording_BuildsChatsCardsAndTodos_PrivateDataPerPerson_UpdatesMergedByKey_StartsAgainWhenEmptied()
    {
        await db.ResetAsync();
        async Task Record(string httpMethod, string path, object body, string target = "t")
        {
            await using var conn = await db.DataSource.OpenConnectionAsync();
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                INSERT INTO dingtalk_calls (recorded_at, method, api, http_method, base_url, path, target, body)
                VALUES (UTC_TIMESTAMP(6), 'x', 'x', @httpMethod, 'https://api.dingtalk.com', @path, @target, @body)
                """, new { httpMethod, path, target, body = JsonSerializer.Serialize(body) });
        }
        await Record("POST", "/v1.0/card/instances/createAndDeliver", new
        {
            cardTemplateId = "schoolsafety.clue", outTrackId = "clue-1", openSpaceId = "dtv1.card//IM_ROBOT.u1;IM_ROBOT.u2",
            cardData = new { cardParamMap = new { state = "待签收", version = "1" } }, callbackType = "HTTP", callbackRouteKey = "k",
            privateData = new { u1 = new { cardParamMap = new { btn_accept = "true" } }, u2 = new { cardParamMap = new { btn_accept = "false" } } },
        });
        await Record("POST", "/v1.0/robot/groupMessages/send", new { robotCode = "r", openConversationId = "cid-1", msgKey = "sampleMarkdown", msgParam = """{"title":"新线索","text":"### 新线索"}""" });
        await Record("PUT", "/v1.0/card/instances", new
        {
            outTrackId = "clue-1", cardData = new { cardParamMap = new { state = "处置中" } },
            privateData = new { u1 = new { cardParamMap = new { btn_accept = "false", btn_resolve = "true" } } },
            cardUpdateOptions = new { updateCardDataByKey = true, updatePrivateDataByKey = true },
        });
        await Record("POST", "/v1.0/todo/users/union-u1/tasks?operatorId=union-u1", new { subject = "签收线索：XA1", executorIds = new[] { "union-u1" }, sourceId = "schoolsafety-todo-9", detailUrl = new { appUrl = "a", pcUrl = "a" } });
        await Record("PUT", "/v1.0/todo/users/union-u1/tasks/offline-schoolsafety-todo-9?operatorId=union-u1", new { done = true });
        var sim = new DingTalkSimulator(new DingTalkCallStore(db.DataSource, Options.Create(new DingTalkOptions())), TimeProvider.System);
        await sim.RefreshAsync(default);

        var card = sim.CardFor("clue-1", "u1")!.Value;
        Assert.Equal(("schoolsafety.clue", "HTTP"), (card.TemplateId, card.CallbackType));
        Assert.Equal(("处置中", "1", "false", "true"), (card.Vars["state"], card.Vars["version"], card.Vars["btn_accept"], card.Vars["btn_resolve"]));
        Assert.Equal("false", sim.CardFor("clue-1", "u2")!.Value.Vars["btn_accept"]);
        Assert.False(sim.CardFor("clue-1", "u2")!.Value.Vars.ContainsKey("btn_resolve"));
        Assert.Equal("card", Assert.Single(sim.Chat(DingTalkSimulator.RobotChat("u2"))).Kind);
        Assert.Equal("### 新线索", Assert.Single(sim.Chat(DingTalkSimulator.GroupChat("cid-1"))).Text);
        Assert.True(Assert.Single(sim.Todos("union-u1")).Done);
        Assert.Empty(sim.Todos("union-u2"));

        // A call recorded later is read then; a click's answer updates the clicker's own values only.
        await Record("POST", "/v1.0/robot/oToMessages/batchSend", new { userIds = new[] { "u2" }, msgKey = "sampleText", msgParam = """{"content":"你好"}""" });
        await sim.RefreshAsync(default);
        Assert.Equal("你好", sim.Chat(DingTalkSimulator.RobotChat("u2")).Last().Text);
        sim.ApplyCallbackReply("clue-1", "u2", JsonNode.Parse("""{"cardData":{"cardParamMap":{"state":"已办结"}},"userPrivateData":{"cardParamMap":{"notice":"无权操作"}},"cardUpdateOptions":{"updateCardDataByKey":true,"updatePrivateDataByKey":true}}"""));
        Assert.Equal(("已办结", "无权操作"), (sim.CardFor("clue-1", "u2")!.Value.Vars["state"], sim.CardFor("clue-1", "u2")!.Value.Vars["notice"]));
        Assert.False(sim.CardFor("clue-1", "u1")!.Value.Vars.ContainsKey("notice"));

        // The recording emptied (a fresh database): nothing of the old picture stays.
        await db.ResetAsync();
        await Record("POST", "/v1.0/robot/groupMessages/send", new { robotCode = "r", openConversationId = "cid-2", msgKey = "sampleText", msgParam = """{"content":"新的"}""" });
        await sim.RefreshAsync(default);
        Assert.Null(sim.CardFor("clue-1", "u1"));
        Assert.Equal("新的", Assert.Single(sim.Chat(DingTalkSimulator.GroupChat("cid-2"))).Text);
    }
}
