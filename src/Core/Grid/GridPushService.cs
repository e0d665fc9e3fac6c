using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Grid;

/// <summary>A push from the four platforms (docs/four-platforms.md, "Pushes").</summary>
public sealed record GridPush
{
    public string? PushId { get; init; }
    public string? EventId { get; init; }
    public string? DispatchId { get; init; }
    public string? ClueNumber { get; init; }
    /// <summary><c>progress</c> or <c>result</c>.</summary>
    public string? Kind { get; init; }
    /// <summary>Progress: <see cref="GridStages"/> (e.g. <c>town_received</c>).</summary>
    public string? Stage { get; init; }
    public string? Note { get; init; }
    /// <summary>Who handled it there (a command room, a department), as they name it.</summary>
    public string? HandledBy { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
}

/// <summary>The stages of progress the platforms report, in Chinese for the timeline. Pure.</summary>
public static class GridStages
{
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["town_received"] = "镇街指挥室已接收",
        ["passed_to_district"] = "镇街指挥室已流转至区县指挥室",
        ["district_received"] = "区县指挥室已接收",
        ["assigned"] = "已交办处置力量",
        ["handling"] = "正在处置",
        ["returned_to_town"] = "区县指挥室已退回镇街",
    };

    public static string Label(string? stage) => stage is not null && Labels.TryGetValue(stage, out var l) ? l : "处置进展";
}

/// <summary>What came of a push: the HTTP status, a stable code and a Chinese sentence.</summary>
public sealed record GridPushResult(int Status, string Code, string Message)
{
    [JsonIgnore] public bool Ok => Status is >= 200 and < 300;
}

/// <summary>
/// Applies a verified push (the endpoint has checked its signature, timestamp and the replay cache): progress goes on the
/// timeline and the card, a result moves the clue to PendingConfirmation and sends the dispatching unit its card; the
/// same push id again changes nothing; a push for an event we do not know is refused; one for a clue that has moved on
/// (or for an earlier dispatch) is kept and shown on the timeline, not applied.
/// </summary>
public sealed class GridPushService(MySqlDataSource db, GridStore grid, GridService service, ClueStore clues, IOptions<GridOptions> options, TimeProvider clock)
{
    public const int MaxNoteLength = 1000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<GridPushResult> HandleAsync(string body, CancellationToken ct)
    {
        GridPush? push;
        try
        {
            push = JsonSerializer.Deserialize<GridPush>(body, Json);
        }
        catch (JsonException)
        {
            push = null;
        }
        if (push is null || string.IsNullOrWhiteSpace(push.PushId) || push.PushId.Length > 64
            || (string.IsNullOrWhiteSpace(push.EventId) && string.IsNullOrWhiteSpace(push.DispatchId)))
            return Malformed("推送内容不完整：缺少推送编号，或缺少事件编号与下发编号");
        if (push.Kind is not ("progress" or "result"))
            return Malformed("推送类型只能是进展或结果");
        if (push.Kind == "result" && string.IsNullOrWhiteSpace(push.Note))
            return Malformed("处置结果推送需要填写处置情况");
        if (push.Note is { Length: > MaxNoteLength })
            return Malformed($"处置情况不能超过 {MaxNoteLength} 字");

        await using var conn = await db.OpenConnectionAsync(ct);
        var dispatch = !string.IsNullOrWhiteSpace(push.EventId)
            ? await grid.DispatchByEventAsync(conn, push.EventId.Trim(), ct)
            : await grid.DispatchAsync(conn, push.DispatchId!.Trim(), ct);
        if (dispatch?.EventId is null)
            return new(404, "push.unknown_event", "未找到该事件：事件编号不是本系统下发的事件");
        var clue = await clues.GetAsync(conn, null, dispatch.ClueId, ct);
        if (clue is null || (push.ClueNumber is { Length: > 0 } number && number.Trim() != clue.Number))
            return new(404, "push.unknown_clue", "未找到该线索：线索编号与事件不符");

        var row = new GridPushRow { PushId = push.PushId.Trim(), EventId = dispatch.EventId, ClueId = clue.Id, Kind = push.Kind, Stage = push.Stage };
        if (!await grid.InsertPushAsync(conn, row, body, ct)
            && await grid.PushAsync(conn, row.PushId, ct) is { Outcome: not null } seen)
            return new(200, "push.duplicate", $"该推送已处理过（{(seen.Outcome == GridPushOutcome.Applied ? "已采纳" : "已记录未采纳")}），未重复处理");

        var note = Note(push);
        var current = clue.State == ClueState.DispatchedToGrid && clue.GridEventId == dispatch.EventId;
        if (current)
        {
            var action = push.Kind == "result" ? ClueAction.GridResult : ClueAction.GridProgress;
            var outcome = await service.ApplyAsync(clue.Id, action, note, dispatch.EventId, $"grid-push:{row.PushId}", ct);
            if (outcome.Succeeded)
            {
                await grid.SetPushOutcomeAsync(conn, row.PushId, GridPushOutcome.Applied, outcome.Code, ct);
                return new(200, "push.applied", push.Kind == "result" ? "处置结果已接收，待派发单位确认" : "进展已记录");
            }
        }
        // Kept, not applied: shown on the timeline without changing the clue.
        var reason = await KeepAsync(clue.Id, note, ct);
        await grid.SetPushOutcomeAsync(conn, row.PushId, GridPushOutcome.Kept, reason, ct);
        return new(200, "push.kept", $"已记录，未采纳：{reason}");
    }

    /// <summary>A timeline entry for a push that is not applied, at the clue's current state and version.</summary>
    private async Task<string> KeepAsync(long clueId, string note, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var clue = (await clues.LockAsync(conn, tx, clueId, ct))!;
        var reason = clue.State == ClueState.DispatchedToGrid
            ? "该事件不是线索当前的下发事件"
            : $"线索当前状态为「{clue.State.Zh()}」，不在四平台处置中";
        await clues.AppendEventAsync(conn, tx, new ClueEventRow
        {
            ClueId = clue.Id, Action = ClueAction.GridProgress, ActorLabel = "基层治理四平台", OccurredAt = clock.GetUtcNow().UtcDateTime,
            FromState = clue.State, ToState = clue.State, FromUnitId = clue.UnitId, ToUnitId = clue.UnitId, FromTier = clue.Tier, ToTier = clue.Tier,
            Version = clue.Version, Note = $"【未采纳：{reason}】{note}",
        }, ct);
        await tx.CommitAsync(ct);
        return reason;
    }

    private static string Note(GridPush p)
    {
        var head = p.Kind == "result" ? "处置结果" : GridStages.Label(p.Stage);
        var by = string.IsNullOrWhiteSpace(p.HandledBy) ? "" : $"（{p.HandledBy.Trim()}）";
        var text = string.IsNullOrWhiteSpace(p.Note) ? "" : $"：{p.Note.Trim()}";
        return $"{head}{by}{text}";
    }

    private static GridPushResult Malformed(string message) => new(400, "push.malformed", message);

    /// <summary>Checks a push's signature and timestamp, then remembers the signature; the replay cache lives in the database.</summary>
    public async Task<GridPushResult?> VerifyAsync(string? timestamp, string? signature, byte[] body, CancellationToken ct)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.PushSecret))
            return new(503, "push.not_configured", "四平台推送未配置签名密钥");
        var now = clock.GetUtcNow();
        switch (GridSignature.Verify(o.PushSecret, timestamp, signature, body, now, o.TimestampWindow))
        {
            case PushCheck.MissingHeaders:
                return new(401, "push.unsigned", $"缺少签名：需要 {GridSignature.TimestampHeader} 和 {GridSignature.SignatureHeader}");
            case PushCheck.BadTimestamp:
            case PushCheck.StaleTimestamp:
                return new(401, "push.stale_timestamp", $"时间戳无效或超出 {o.TimestampWindow.TotalMinutes:0} 分钟的有效期，请用当前时间重新签名");
            case PushCheck.BadSignature:
                return new(401, "push.bad_signature", "签名校验失败");
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        // Remembered a little past the window: until then the timestamp check alone would let the same request in again.
        if (!await grid.RememberSignatureAsync(conn, signature!.Trim().ToLowerInvariant(), (now + o.TimestampWindow * 2).UtcDateTime, ct))
            return new(409, "push.replayed", "重复的签名请求（重放），已拒绝；重发请用新的时间戳重新签名");
        return null;
    }
}
