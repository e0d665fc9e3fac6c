using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Callbacks.Simulator;

/// <summary>One message in a simulated chat. <see cref="Kind"/>: markdown, text, actionCard, link, card, mine (typed by the person), note (the simulator's).</summary>
public sealed record SimMessage(long Seq, DateTimeOffset At, string Kind, string? Title, string? Text,
    string? CardId = null, string? ButtonTitle = null, string? ButtonUrl = null, string? Sender = null);

/// <summary>A card instance as DingTalk holds it: one shared map, one private map per user, the spaces it was delivered to.</summary>
public sealed class SimCard(string outTrackId, string templateId, string callbackType)
{
    public string OutTrackId { get; } = outTrackId;
    public string TemplateId { get; set; } = templateId;
    /// <summary><c>STREAM</c> or <c>HTTP</c> (facts §4.1): where DingTalk sends this card's clicks.</summary>
    public string CallbackType { get; set; } = callbackType;
    public Dictionary<string, string> Shared { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, string>> Private { get; } = new(StringComparer.Ordinal);
    public long UpdatedSeq { get; set; }

    /// <summary>What <paramref name="userId"/> sees: the shared values with theirs on top (private data wins key by key).</summary>
    public Dictionary<string, string> For(string userId)
    {
        var vars = new Dictionary<string, string>(Shared, StringComparer.Ordinal);
        if (Private.TryGetValue(userId, out var mine))
            foreach (var (k, v) in mine) vars[k] = v;
        return vars;
    }
}

/// <summary>A DingTalk to-do (待办) as the recorded calls created and completed it (facts §10, §11).</summary>
public sealed record SimTodo(string Id, string UnionId, IReadOnlyList<string> ExecutorIds, string Subject, string? Description,
    long? DueTime, string? AppUrl, string? SourceId, bool Done, long Seq);

/// <summary>
/// DingTalk as the local simulator sees it (Development only): every chat, card and to-do, rebuilt from what DingTalk would
/// have received — the offline recording (<see cref="DingTalkOptions.OfflineLogPath"/>, read as it grows, whichever host
/// wrote it) — plus what happened on the simulator itself (people's own messages, the robot's HTTP replies, the card
/// updates DingTalk applies from a click's answer). Chats are keyed <c>robot:{userId}</c> (the robot 1:1 chat),
/// <c>work:{userId}</c> (工作通知) and <c>group:{openConversationId}</c>. Held in memory; <see cref="Version"/> moves on
/// every change so a page can poll cheaply.
/// </summary>
public sealed partial class DingTalkSimulator(IOptions<DingTalkOptions> options, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<SimMessage>> _chats = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimCard> _cards = new(StringComparer.Ordinal);
    private readonly List<SimTodo> _todos = [];
    private long _seq;
    private long _offset;
    private string _partial = "";

    public string? LogPath { get; } = string.IsNullOrWhiteSpace(options.Value.OfflineLogPath) ? null : Path.GetFullPath(options.Value.OfflineLogPath);

    public long Version
    {
        get { lock (_gate) return _seq; }
    }

    public static string RobotChat(string userId) => "robot:" + userId;
    public static string WorkChat(string userId) => "work:" + userId;
    public static string GroupChat(string cid) => "group:" + cid;

    public IReadOnlyList<SimMessage> Chat(string key)
    {
        Refresh();
        lock (_gate) return _chats.TryGetValue(key, out var list) ? list.ToList() : [];
    }

    public SimCard? Card(string outTrackId)
    {
        Refresh();
        lock (_gate) return _cards.GetValueOrDefault(outTrackId);
    }

    /// <summary>A copy of a card's values for one person (null for an unknown card).</summary>
    public (string TemplateId, string CallbackType, Dictionary<string, string> Vars)? CardFor(string outTrackId, string userId)
    {
        Refresh();
        lock (_gate) return _cards.TryGetValue(outTrackId, out var c) ? (c.TemplateId, c.CallbackType, c.For(userId)) : null;
    }

    /// <summary>The to-dos whose owner or executor is this unionId, newest first.</summary>
    public IReadOnlyList<SimTodo> Todos(string? unionId)
    {
        Refresh();
        if (string.IsNullOrEmpty(unionId)) return [];
        lock (_gate)
            return _todos.Where(t => t.UnionId == unionId || t.ExecutorIds.Contains(unionId)).OrderByDescending(t => t.Seq).ToList();
    }

    /// <summary>A message the person typed into a chat's box (shown on their side as sent).</summary>
    public void AddMine(string chatKey, string text, string sender)
    {
        lock (_gate) Add(chatKey, new SimMessage(0, clock.GetUtcNow(), "mine", null, text, Sender: sender));
    }

    /// <summary>The robot's answer to an HTTP-mode message (its response body: <c>{msgtype, markdown|text}</c>).</summary>
    public void AddRobotReply(string chatKey, JsonNode? reply)
    {
        var type = Str(reply, "msgtype");
        lock (_gate)
        {
            if (type == "markdown")
                Add(chatKey, new SimMessage(0, clock.GetUtcNow(), "markdown", Str(reply?["markdown"], "title"), Str(reply?["markdown"], "text")));
            else if (type == "text")
                Add(chatKey, new SimMessage(0, clock.GetUtcNow(), "text", null, Str(reply?["text"], "content")));
        }
    }

    /// <summary>A note of the simulator's own in a chat (a click or message DingTalk could not deliver, and why).</summary>
    public void AddNote(string chatKey, string text)
    {
        lock (_gate) Add(chatKey, new SimMessage(0, clock.GetUtcNow(), "note", null, text));
    }

    /// <summary>
    /// What DingTalk does with a click's answer (facts §4.5): <c>cardData</c> updates every copy, <c>userPrivateData</c>
    /// the clicker's own; each merged by key when its <c>cardUpdateOptions</c> flag says so, replaced otherwise.
    /// </summary>
    public void ApplyCallbackReply(string outTrackId, string userId, JsonNode? reply)
    {
        lock (_gate)
        {
            if (!_cards.TryGetValue(outTrackId, out var card)) return;
            var byKey = reply?["cardUpdateOptions"];
            if (Map(reply?["cardData"]?["cardParamMap"]) is { } shared)
                Merge(card.Shared, shared, Bool(byKey, "updateCardDataByKey"));
            if (Map(reply?["userPrivateData"]?["cardParamMap"]) is { } mine)
                Merge(PrivateOf(card, userId), mine, Bool(byKey, "updatePrivateDataByKey"));
            card.UpdatedSeq = ++_seq;
        }
    }

    /// <summary>Reads what the recording gained since the last look (complete lines only); a recording that shrank starts the picture again.</summary>
    public void Refresh()
    {
        if (LogPath is null || !File.Exists(LogPath)) return;
        lock (_gate)
        {
            using var file = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length < _offset) Reset();
            if (file.Length == _offset) return;
            file.Seek(_offset, SeekOrigin.Begin);
            var bytes = new byte[file.Length - _offset];
            file.ReadExactly(bytes);
            _offset = file.Length;
            var text = _partial + Encoding.UTF8.GetString(bytes);
            var end = text.LastIndexOf('\n');
            _partial = end < 0 ? text : text[(end + 1)..];
            if (end < 0) return;
            foreach (var line in text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                JsonNode? call;
                try
                {
                    call = JsonNode.Parse(line);
                }
                catch (JsonException)
                {
                    continue;
                }
                if (call is not null) Apply(call);
            }
        }
    }

    private void Reset()
    {
        _chats.Clear();
        _cards.Clear();
        _todos.Clear();
        _offset = 0;
        _partial = "";
        _seq++;
    }

    /// <summary>One recorded call, read by the HTTP call it stands for (facts §4, §5, §10): what DingTalk would have done with it.</summary>
    private void Apply(JsonNode call)
    {
        var api = Str(call, "api") ?? "";
        var body = call["body"];
        var at = DateTimeOffset.TryParse(Str(call, "at"), out var t) ? t : clock.GetUtcNow();
        switch (api)
        {
            case "POST /v1.0/robot/groupMessages/send":
                if (Str(body, "openConversationId") is { } cid)
                    Add(GroupChat(cid), Robot(at, Str(body, "msgKey"), Str(body, "msgParam")));
                break;
            case "POST /v1.0/robot/oToMessages/batchSend":
                foreach (var user in Strings(body?["userIds"]))
                    Add(RobotChat(user), Robot(at, Str(body, "msgKey"), Str(body, "msgParam")));
                break;
            case "POST /topapi/message/corpconversation/asyncsend_v2":
                // The exact body has {agent_id, userid_list, msg}; a summary recorded the msg alone, the users as the target.
                var msg = body?["msg"] ?? body;
                var users = Str(body, "userid_list") ?? Str(call, "target") ?? "";
                foreach (var user in users.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    Add(WorkChat(user), Work(at, msg));
                break;
            case "POST /v1.0/card/instances/createAndDeliver":
            case "POST /v1.0/card/instances":
                CreateCard(at, body, deliver: api.EndsWith("createAndDeliver", StringComparison.Ordinal));
                break;
            case "POST /v1.0/card/instances/deliver":
                if (Str(body, "outTrackId") is { } delivered && _cards.TryGetValue(delivered, out var existing))
                    Deliver(at, existing, Spaces(body));
                break;
            case "PUT /v1.0/card/instances":
                UpdateCard(body);
                break;
            default:
                if (TodoCreate().Match(api) is { Success: true } created) AddTodo(Uri.UnescapeDataString(created.Groups[1].Value), body, call["response"]);
                else if (TodoUpdate().Match(api) is { Success: true } updated) UpdateTodo(updated.Groups[2].Value, body);
                break;
        }
    }

    private void CreateCard(DateTimeOffset at, JsonNode? body, bool deliver)
    {
        if (Str(body, "outTrackId") is not { } id) return;
        // The exact request (cardData.cardParamMap, callbackType) or the earlier summary (cardParamMap, callbackRouteKey).
        var callbackType = Str(body, "callbackType") ?? (string.IsNullOrEmpty(Str(body, "callbackRouteKey")) ? "STREAM" : "HTTP");
        if (!_cards.TryGetValue(id, out var card)) _cards[id] = card = new SimCard(id, Str(body, "cardTemplateId") ?? "", callbackType);
        card.TemplateId = Str(body, "cardTemplateId") ?? card.TemplateId;
        card.CallbackType = callbackType;
        Merge(card.Shared, Map(body?["cardData"]?["cardParamMap"]) ?? Map(body?["cardParamMap"]) ?? [], byKey: false);
        ApplyPrivate(card, body?["privateData"], byKey: false);
        card.UpdatedSeq = ++_seq;
        if (deliver) Deliver(at, card, Spaces(body));
    }

    private void Deliver(DateTimeOffset at, SimCard card, IEnumerable<string> spaceKeys)
    {
        foreach (var space in spaceKeys)
        {
            var chat = space.StartsWith("IM_GROUP.", StringComparison.Ordinal) ? GroupChat(space["IM_GROUP.".Length..])
                : space.StartsWith("IM_ROBOT.", StringComparison.Ordinal) ? RobotChat(space["IM_ROBOT.".Length..])
                : null;
            // One card instance shows once per chat; delivering it there again changes nothing.
            if (chat is null || (_chats.TryGetValue(chat, out var list) && list.Any(m => m.CardId == card.OutTrackId))) continue;
            Add(chat, new SimMessage(0, at, "card", null, null, CardId: card.OutTrackId));
        }
    }

    private void UpdateCard(JsonNode? body)
    {
        if (Str(body, "outTrackId") is not { } id || !_cards.TryGetValue(id, out var card)) return;
        var options = body?["cardUpdateOptions"];
        var summaryMerge = body?["mergeByKey"] is JsonValue v && v.GetValueKind() == JsonValueKind.True;
        if ((Map(body?["cardData"]?["cardParamMap"]) ?? Map(body?["cardParamMap"])) is { } shared)
            Merge(card.Shared, shared, Bool(options, "updateCardDataByKey") || summaryMerge);
        ApplyPrivate(card, body?["privateData"], Bool(options, "updatePrivateDataByKey") || summaryMerge);
        card.UpdatedSeq = ++_seq;
    }

    private static void ApplyPrivate(SimCard card, JsonNode? privateData, bool byKey)
    {
        if (privateData is not JsonObject perUser) return;
        foreach (var (user, data) in perUser)
            if ((Map(data?["cardParamMap"]) ?? Map(data)) is { } values)
                Merge(PrivateOf(card, user), values, byKey);
    }

    private static Dictionary<string, string> PrivateOf(SimCard card, string userId)
    {
        if (!card.Private.TryGetValue(userId, out var mine)) card.Private[userId] = mine = new(StringComparer.Ordinal);
        return mine;
    }

    private void AddTodo(string unionId, JsonNode? body, JsonNode? response)
    {
        var subject = Str(body, "subject") ?? "";
        // The id the offline recorder answered: derived from the sourceId, unique per to-do (facts §11).
        var id = Str(response, "id") ?? RecordingDingTalkClient.OfflineTodoId(Str(body, "sourceId")) ?? $"todo-{_todos.Count + 1}";
        var dueTime = body?["dueTime"] is JsonValue d && d.TryGetValue<long>(out var ms) ? ms : (long?)null;
        _todos.RemoveAll(x => x.Id == id);
        _todos.Add(new SimTodo(id, unionId, Strings(body?["executorIds"]).ToList(), subject, Str(body, "description"), dueTime,
            Str(body?["detailUrl"], "appUrl"), Str(body, "sourceId"), false, ++_seq));
    }

    private void UpdateTodo(string taskId, JsonNode? body)
    {
        var i = _todos.FindIndex(x => x.Id == Uri.UnescapeDataString(taskId));
        if (i < 0) return;
        var t = _todos[i];
        var done = body?["done"] is JsonValue v ? v.GetValueKind() == JsonValueKind.True : t.Done;
        _todos[i] = t with { Done = done, Subject = Str(body, "subject") ?? t.Subject, Seq = ++_seq };
    }

    /// <summary>A robot message by its msgKey (facts §5.3).</summary>
    private static SimMessage Robot(DateTimeOffset at, string? msgKey, string? msgParam)
    {
        JsonNode? p = null;
        try
        {
            p = msgParam is null ? null : JsonNode.Parse(msgParam);
        }
        catch (JsonException)
        {
            // shown as text below
        }
        return msgKey switch
        {
            "sampleMarkdown" => new SimMessage(0, at, "markdown", Str(p, "title"), Str(p, "text")),
            "sampleText" => new SimMessage(0, at, "text", null, Str(p, "content")),
            "sampleActionCard" => new SimMessage(0, at, "actionCard", Str(p, "title"), Str(p, "text"), ButtonTitle: Str(p, "singleTitle"), ButtonUrl: Str(p, "singleURL")),
            "sampleLink" => new SimMessage(0, at, "link", Str(p, "title"), Str(p, "text"), ButtonTitle: "打开", ButtonUrl: Str(p, "messageUrl")),
            _ => new SimMessage(0, at, "text", null, msgParam),
        };
    }

    /// <summary>A work notification's <c>msg</c> (facts §5.6): markdown or action_card.</summary>
    private static SimMessage Work(DateTimeOffset at, JsonNode? msg) => Str(msg, "msgtype") switch
    {
        "markdown" => new SimMessage(0, at, "markdown", Str(msg?["markdown"], "title"), Str(msg?["markdown"], "text")),
        "action_card" => new SimMessage(0, at, "actionCard", Str(msg?["action_card"], "title"), Str(msg?["action_card"], "markdown"),
            ButtonTitle: Str(msg?["action_card"], "single_title"), ButtonUrl: Str(msg?["action_card"], "single_url")),
        "text" => new SimMessage(0, at, "text", null, Str(msg?["text"], "content")),
        _ => new SimMessage(0, at, "text", null, msg?.ToJsonString()),
    };

    /// <summary>The spaces of a card call: <c>openSpaceId</c> (<c>dtv1.card//IM_GROUP.cid;IM_ROBOT.u1</c>), or a summary's fields.</summary>
    private static IEnumerable<string> Spaces(JsonNode? body)
    {
        if (Str(body, "openSpaceId") is { } open)
        {
            var list = open.StartsWith("dtv1.card//", StringComparison.Ordinal) ? open["dtv1.card//".Length..] : open;
            return list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        var keys = Strings(body?["spaces"]).ToList();
        if (Str(body, "groupOpenConversationId") is { } cid) keys.Add("IM_GROUP." + cid);
        keys.AddRange(Strings(body?["robotUserIds"]).Select(u => "IM_ROBOT." + u));
        return keys;
    }

    private void Add(string chat, SimMessage m)
    {
        if (!_chats.TryGetValue(chat, out var list)) _chats[chat] = list = [];
        list.Add(m with { Seq = ++_seq });
    }

    private static void Merge(Dictionary<string, string> target, IReadOnlyDictionary<string, string> values, bool byKey)
    {
        if (!byKey) target.Clear();
        foreach (var (k, v) in values) target[k] = v;
    }

    private static Dictionary<string, string>? Map(JsonNode? node)
    {
        if (node is not JsonObject o) return null;
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
            map[k] = v is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : v?.ToJsonString() ?? "";
        return map;
    }

    private static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool Bool(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()) : [];

    [GeneratedRegex(@"^POST /v1\.0/todo/users/([^/]+)/tasks(\?.*)?$")]
    private static partial Regex TodoCreate();

    [GeneratedRegex(@"^PUT /v1\.0/todo/users/([^/]+)/tasks/([^/?]+)")]
    private static partial Regex TodoUpdate();
}
