using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Digests;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Stream;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>A person the simulator can view as: their DingTalk userId, name, and roles in words.</summary>
public sealed record SimPerson(string UserId, string Name, string Group, IReadOnlyList<string> Roles);

/// <summary>One chat as the viewed person sees it.</summary>
public sealed record SimChatView(string Key, string Title, string Kind, IReadOnlyList<SimMessageView> Messages);

/// <summary>A message; a card's <see cref="Card"/> is drawn from its template with the viewer's own values.</summary>
public sealed record SimMessageView(long Seq, DateTimeOffset At, string Kind, string? Title, string? Text, string? ButtonTitle, string? ButtonUrl,
    string? Sender, string? CardId, CardView? Card, IReadOnlyDictionary<string, string>? CardVars);

public sealed record SimView(long Version, SimPerson Person, string MiniAppUrl, string Transport, IReadOnlyList<SimChatView> Chats, IReadOnlyList<SimTodo> Todos);

/// <summary>What a click or a message came to: the way it went (HTTP or Stream), DingTalk's status, the answer, a sentence for the page.</summary>
public sealed record SimOutcome(int Status, string Transport, string Message, JsonNode? Reply = null, string? Notice = null);

/// <summary>
/// What a person does on the simulator page, done as DingTalk does it: a button press becomes a card callback (the signed
/// HTTP POST of facts §4.4, or a CALLBACK frame on the Stream gateway when the card asked for Stream), a message in the box a
/// robot message (signed HTTP of §5.5, or a Stream frame), and DingTalk's side of the answer is applied (§4.5). Also the
/// scheduler's sends on demand: a chat's digest now, and a reminder run now.
/// </summary>
public sealed class SimulatorDesk(
    DingTalkSimulator world,
    StreamGatewaySimulator gateway,
    CardTemplateLibrary templates,
    MySqlDataSource db,
    OrganisationStore org,
    DigestService digests,
    ReminderService reminders,
    IHttpClientFactory http,
    IOptions<DingTalkOptions> dingTalk,
    IOptions<SimulatorOptions> options,
    TimeProvider clock)
{
    public const string HttpClientName = "dingtalk-simulator";
    public const string CorpId = "ding-simulated-corp";
    public const string RobotTitle = "校安一件事";
    private long _lastTimestamp;

    public async Task<IReadOnlyList<SimPerson>> PeopleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await org.LoginPeopleAsync(conn, 5000, ct);
        return rows.GroupBy(r => r.DingTalkUserId)
            .Select(g => new SimPerson(g.Key, g.First().Name, LoginPeople.GroupOf(g.First()),
                g.Select(r => r.Place is null ? LoginPeople.RoleZh(r) : $"{r.Place}·{LoginPeople.RoleZh(r)}").Distinct().ToList()))
            .OrderBy(p => Array.IndexOf(LoginPeople.Groups, p.Group)).ThenBy(p => p.Roles[0], StringComparer.Ordinal).ThenBy(p => p.UserId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Everything one person sees: their robot chat, work notifications, their group chats, their to-dos. Null for nobody we know.</summary>
    public async Task<SimView?> ViewAsync(string userId, CancellationToken ct)
    {
        world.Refresh();
        var version = world.Version;
        var (person, unionId, groups) = await PersonAsync(userId, ct);
        if (person is null) return null;
        var chats = new List<SimChatView> { Chat(DingTalkSimulator.RobotChat(userId), RobotTitle, "robot", userId) };
        var work = world.Chat(DingTalkSimulator.WorkChat(userId));
        if (work.Count > 0) chats.Add(Chat(DingTalkSimulator.WorkChat(userId), "工作通知", "work", userId));
        chats.AddRange(groups.Select(g => Chat(DingTalkSimulator.GroupChat(g.OpenConversationId), g.Name, "group", userId)));
        var transport = gateway.Connections.Count > 0 ? "Stream" : "HTTP";
        return new SimView(version, person, options.Value.MiniAppUrl.TrimEnd('/'), transport, chats, world.Todos(unionId));
    }

    private SimChatView Chat(string key, string title, string kind, string userId) =>
        new(key, title, kind, world.Chat(key).Select(m => View(m, userId)).ToList());

    private SimMessageView View(SimMessage m, string userId)
    {
        CardView? card = null;
        Dictionary<string, string>? vars = null;
        if (m.CardId is { } id && world.CardFor(id, userId) is { } c)
        {
            vars = c.Vars;
            card = Draw(c.TemplateId, vars);
        }
        return new SimMessageView(m.Seq, m.At, m.Kind, m.Title, m.Text, m.ButtonTitle, m.ButtonUrl, m.Sender, m.CardId, card, vars);
    }

    /// <summary>The card from its template file; a card whose template is not among the files says so (the card is not drawn).</summary>
    private CardView Draw(string templateId, IReadOnlyDictionary<string, string> vars) =>
        templates.Find(templateId) is { } root
            ? CardTemplateRenderer.Render(templateId, root, vars)
            : new CardView(templateId, "卡片", [new CardBlock("text", $"模板 {templateId} 不在卡片模板文件中（{templates.Folder ?? "未配置目录"}），无法绘制")]);

    /// <summary>
    /// The person presses a button on a card in one of their chats: the callback DingTalk would send (facts §4.4: the button's
    /// id in <c>actionIds</c>, its 回传参数 and the card's inputs in <c>params</c>, the person's userId, the card's
    /// outTrackId), over the card's own callback type; the answer updates the card as DingTalk would (§4.5).
    /// </summary>
    public async Task<SimOutcome> ClickAsync(string userId, string chatKey, string outTrackId, string buttonId, IReadOnlyDictionary<string, string>? inputs,
        string callbacksUrl, CancellationToken ct)
    {
        if (!await SeesAsync(userId, chatKey, outTrackId, ct)) return new SimOutcome(404, "-", "这张卡片不在此人的会话中");
        var card = world.CardFor(outTrackId, userId)!.Value;
        var view = Draw(card.TemplateId, card.Vars);
        var button = view.Blocks.Where(b => b.Buttons is not null).SelectMany(b => b.Buttons!).FirstOrDefault(b => b.Id == buttonId);
        if (button is null) return new SimOutcome(409, "-", "卡片上已没有这个按钮");
        var ps = new Dictionary<string, string>(button.Params, StringComparer.Ordinal);
        foreach (var input in view.Blocks.Where(b => b.Type == "input" && b.Name is not null))
            ps[input.Name!] = inputs is not null && inputs.TryGetValue(input.Name!, out var v) ? v : "";
        var content = JsonSerializer.Serialize(new { cardPrivateData = new { actionIds = new[] { buttonId }, @params = ps } });
        var (spaceType, spaceId) = Space(chatKey);

        JsonNode? reply;
        string transport;
        if (card.CallbackType == "STREAM")
        {
            transport = "Stream";
            var data = JsonSerializer.Serialize(new
            {
                type = "actionCallback", outTrackId, corpId = CorpId, userId, content, spaceType, spaceId, userIdType = 1,
                extension = "{}",
            });
            var ack = await gateway.CallbackAsync(StreamFrameHandler.CardTopic, data, ct);
            if (ack is null)
                return new SimOutcome(503, transport, "卡片的回调方式为 Stream，但没有 Stream 连接应答（宿主未以 Stream 模式连接到模拟网关）");
            reply = ack.Data is { } d ? JsonNode.Parse(d)?["response"] : null;
            if (ack.Code != 200) return new SimOutcome(ack.Code, transport, $"Stream 应答 {ack.Code} {ack.Message}", reply);
        }
        else
        {
            transport = "HTTP";
            var secret = dingTalk.Value.CardCallbackSecret;
            if (string.IsNullOrEmpty(secret))
                return new SimOutcome(503, transport, "未配置 DingTalk:CardCallbackSecret，钉钉无法为卡片回调签名（本地运行由 scripts/run.sh 配置）");
            var body = JsonSerializer.Serialize(new { type = "actionCallback", outTrackId, corpId = CorpId, userId, content });
            var ts = UniqueTimestamp();
            var (status, text) = await PostAsync(callbacksUrl, "/dingtalk/cards", body, new()
            {
                ["x-ddpaas-signature-timestamp"] = ts, ["x-ddpaas-signature"] = DingTalkCallbackCrypto.ComputeCardSignature(secret, ts),
            }, ct);
            reply = status == 200 && text.Length > 0 ? JsonNode.Parse(text) : null;
            if (status != 200) return new SimOutcome(status, transport, $"卡片回调应答 HTTP {status}");
        }
        world.ApplyCallbackReply(outTrackId, userId, reply);
        var notice = reply?["userPrivateData"]?["cardParamMap"]?["notice"]?.GetValue<string>();
        return new SimOutcome(200, transport, "已送达", reply, notice);
    }

    /// <summary>
    /// The person writes in a chat's box: the robot message DingTalk would deliver (facts §3.6, §5.5; in a group the robot is
    /// @-mentioned). Over HTTP the answer is in the response and shown at once; over Stream it comes later through the outbox.
    /// </summary>
    public async Task<SimOutcome> SendAsync(string userId, string chatKey, string text, string callbacksUrl, CancellationToken ct)
    {
        var (person, _, groups) = await PersonAsync(userId, ct);
        if (person is null) return new SimOutcome(404, "-", "没有此人");
        var isGroup = chatKey.StartsWith("group:", StringComparison.Ordinal);
        var cid = isGroup ? chatKey["group:".Length..] : "sim-cid-robot-" + userId;
        if (isGroup && groups.All(g => g.OpenConversationId != cid)) return new SimOutcome(404, "-", "此人不在这个群里");
        if (!isGroup && chatKey != DingTalkSimulator.RobotChat(userId)) return new SimOutcome(400, "-", "只能在机器人单聊或所在群里发消息");
        world.AddMine(chatKey, text, person.Name);
        var robotCode = dingTalk.Value.EffectiveRobotCode is { Length: > 0 } code ? code : StreamClient.OfflineClientId;
        var now = clock.GetUtcNow();
        var message = JsonSerializer.Serialize(new
        {
            conversationId = cid, conversationType = isGroup ? "2" : "1", msgId = "sim-msg-" + Guid.NewGuid().ToString("N"), msgtype = "text",
            text = new { content = isGroup ? " " + text : text }, senderStaffId = userId, senderId = "$:LWCP_v1:$sim-" + userId, senderNick = person.Name,
            senderCorpId = CorpId, chatbotCorpId = CorpId, chatbotUserId = "$:LWCP_v1:$sim-robot", robotCode, isInAtList = true,
            atUsers = isGroup ? new[] { new { dingtalkId = "$:LWCP_v1:$sim-robot" } } : [],
            sessionWebhook = $"{callbacksUrl.TrimEnd('/')}{DingTalkSimulatorEndpoints.Prefix}/session/{Uri.EscapeDataString(chatKey)}",
            sessionWebhookExpiredTime = (now + TimeSpan.FromMinutes(90)).ToUnixTimeMilliseconds(), createAt = now.ToUnixTimeMilliseconds(),
            conversationTitle = isGroup ? groups.First(g => g.OpenConversationId == cid).Name : null,
        });

        if (gateway.Serves(StreamFrameHandler.RobotTopic))
        {
            var ack = await gateway.CallbackAsync(StreamFrameHandler.RobotTopic, message, ct);
            if (ack is null)
            {
                world.AddNote(chatKey, "Stream 连接没有应答这条消息");
                return new SimOutcome(503, "Stream", "Stream 连接没有应答");
            }
            return new SimOutcome(ack.Code, "Stream", "已送达，机器人的回复经发件箱送来");
        }
        var secret = dingTalk.Value.AppSecret;
        if (string.IsNullOrEmpty(secret))
        {
            world.AddNote(chatKey, "未配置 DingTalk:AppSecret，钉钉无法为机器人消息签名");
            return new SimOutcome(503, "HTTP", "未配置 DingTalk:AppSecret，钉钉无法为机器人消息签名（本地运行由 scripts/run.sh 配置）");
        }
        var ts = UniqueTimestamp();
        var (status, answer) = await PostAsync(callbacksUrl, "/dingtalk/robot", message, new()
        {
            ["timestamp"] = ts, ["sign"] = DingTalkCallbackCrypto.ComputeRobotSign(secret, ts),
        }, ct);
        if (status != 200)
        {
            world.AddNote(chatKey, $"机器人回调应答 HTTP {status}");
            return new SimOutcome(status, "HTTP", $"机器人回调应答 HTTP {status}");
        }
        var reply = JsonNode.Parse(answer);
        world.AddRobotReply(chatKey, reply);
        return new SimOutcome(200, "HTTP", "已送达", reply);
    }

    /// <summary>Today's digest for a chat now (the admin's send-now): queued for the scheduler to send.</summary>
    public async Task<SimOutcome> DigestAsync(string chatId, CancellationToken ct) =>
        await digests.SendNowAsync(chatId, ct)
            ? new SimOutcome(202, "-", "今日简报已排队，调度器发出后出现在群里")
            : new SimOutcome(404, "-", "没有这个工作群或区级专班群");

    /// <summary>One reminder run now, as the scheduler's every-15-minutes run does (nothing in the quiet hours or on a day off).</summary>
    public async Task<SimOutcome> RemindAsync(CancellationToken ct)
    {
        var r = await reminders.RunAsync(ct);
        return r.Quiet
            ? new SimOutcome(200, "-", "现在是免打扰时段或休息日，提醒不发送")
            : new SimOutcome(200, "-", r.Recorded == 0 ? "没有到期的提醒" : $"{r.Recorded} 条提醒已排队，合为 {r.Messages} 条消息");
    }

    private async Task<(SimPerson? Person, string? UnionId, IReadOnlyList<UserChatRow> Groups)> PersonAsync(string userId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var user = (await org.UsersByDingTalkIdAsync(conn, null, [userId], ct)).FirstOrDefault();
        if (user is null || !user.Active) return (null, null, []);
        var roles = (await org.LoginPeopleAsync(conn, 5000, ct)).Where(r => r.DingTalkUserId == userId).ToList();
        var person = new SimPerson(userId, user.Name, roles.Count > 0 ? LoginPeople.GroupOf(roles[0]) : "",
            roles.Select(r => r.Place is null ? LoginPeople.RoleZh(r) : $"{r.Place}·{LoginPeople.RoleZh(r)}").Distinct().ToList());
        var groups = (await org.ChatsOfUserAsync(conn, user.Id, ct)).ToList();
        var district = await digests.DistrictChatAsync(ct);
        if (district is not null && groups.All(g => g.OpenConversationId != district)
            && roles.Any(r => r.Role is Role.EduAdmin or Role.Liaison || r.Place == "区教育局护校安园专班办公室"))
            groups.Add(new UserChatRow { OpenConversationId = district, Name = "区护校安园专班群" });
        return (person, user.UnionId, groups);
    }

    /// <summary>Whether the card is in one of the person's chats (only what is in front of them can be pressed).</summary>
    private async Task<bool> SeesAsync(string userId, string chatKey, string outTrackId, CancellationToken ct)
    {
        if (chatKey != DingTalkSimulator.RobotChat(userId))
        {
            var (_, _, groups) = await PersonAsync(userId, ct);
            if (groups.All(g => DingTalkSimulator.GroupChat(g.OpenConversationId) != chatKey)) return false;
        }
        return world.Chat(chatKey).Any(m => m.CardId == outTrackId) && world.CardFor(outTrackId, userId) is not null;
    }

    private static (string SpaceType, string SpaceId) Space(string chatKey) =>
        chatKey.StartsWith("group:", StringComparison.Ordinal) ? ("IM_GROUP", chatKey["group:".Length..]) : ("IM_ROBOT", chatKey[(chatKey.IndexOf(':') + 1)..]);

    private async Task<(int Status, string Text)> PostAsync(string baseUrl, string path, string body, Dictionary<string, string> headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl.TrimEnd('/') + path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (k, v) in headers) request.Headers.TryAddWithoutValidation(k, v);
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>Now in milliseconds, never the same twice (a signature covers only the timestamp, and a pair is accepted once).</summary>
    private string UniqueTimestamp()
    {
        long last, next;
        do
        {
            last = Interlocked.Read(ref _lastTimestamp);
            next = Math.Max(clock.GetUtcNow().ToUnixTimeMilliseconds(), last + 1);
        } while (Interlocked.CompareExchange(ref _lastTimestamp, next, last) != last);
        return next.ToString(CultureInfo.InvariantCulture);
    }
}
