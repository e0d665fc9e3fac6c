using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.Notifications;

/// <summary>What one run did.</summary>
public sealed record OutboxRunReport(int Claimed, int Sent, int Retrying, int Dead, int LeasesLost)
{
    public static readonly OutboxRunReport Empty = new(0, 0, 0, 0, 0);

    public OutboxRunReport Add(OutboxRunReport o) =>
        new(Claimed + o.Claimed, Sent + o.Sent, Retrying + o.Retrying, Dead + o.Dead, LeasesLost + o.LeasesLost);
}

/// <summary>
/// Sends outbox rows: claim due rows (never blocking other dispatchers), render each into a DingTalk call,
/// send, then mark it sent — or schedule a retry with exponential backoff and jitter, and after
/// <see cref="OutboxOptions.MaxAttempts"/> failures bury it with its last error. The per-API rate limit lives in the
/// DingTalk client; the one-open-row-per-ordering-key rule lives in the claim, so one card's updates go in order.
/// </summary>
public sealed partial class OutboxDispatcher(
    MySqlDataSource db,
    OutboxStore store,
    IOutboxMessageRenderer renderer,
    IDingTalkClient dingTalk,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger,
    DingTalkUsage? usage = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan ClaimContentionPause = TimeSpan.FromMilliseconds(25);
    private readonly OutboxOptions _o = options.Value;

    /// <summary>Runs rounds until nothing is due or <paramref name="maxDuration"/> has passed.</summary>
    public async Task<OutboxRunReport> DrainAsync(TimeSpan maxDuration, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var total = OutboxRunReport.Empty;
        while (!ct.IsCancellationRequested && clock.GetElapsedTime(started) < maxDuration)
        {
            var round = await DispatchOnceAsync(ct);
            total = total.Add(round);
            if (round.Claimed > 0) continue;
            // Nothing claimed: either nothing is due, or another dispatcher was claiming the same rows just then.
            await using (var conn = await db.OpenConnectionAsync(ct))
                if (!await store.AnyClaimableAsync(conn, await TopicsAsync(ct), ct)) break;
            await Task.Delay(ClaimContentionPause, clock, ct);
        }
        return total;
    }

    /// <summary>One round: claim up to <see cref="OutboxOptions.BatchSize"/> rows and send them.</summary>
    public async Task<OutboxRunReport> DispatchOnceAsync(CancellationToken ct)
    {
        IReadOnlyList<OutboxRow> rows;
        var topics = await TopicsAsync(ct);
        await using (var conn = await db.OpenConnectionAsync(ct))
            rows = await store.ClaimDueAsync(conn, topics, _o.BatchSize, _o.Lease, ct);
        if (rows.Count == 0) return OutboxRunReport.Empty;

        int sent = 0, retrying = 0, dead = 0, lost = 0;
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = _o.Concurrency, CancellationToken = ct }, async (row, c) =>
        {
            switch (await SendAsync(row, c))
            {
                case Outcome.Sent: Interlocked.Increment(ref sent); break;
                case Outcome.Retrying: Interlocked.Increment(ref retrying); break;
                case Outcome.Dead: Interlocked.Increment(ref dead); break;
                default: Interlocked.Increment(ref lost); break;
            }
        });
        return new OutboxRunReport(rows.Count, sent, retrying, dead, lost);
    }

    /// <summary>The topics to claim: every rendered one, less the digests while the month's DingTalk budget is spent (they wait).</summary>
    private async Task<IReadOnlyCollection<string>> TopicsAsync(CancellationToken ct) =>
        usage is not null && await usage.OverBudgetAsync(ct)
            ? renderer.Topics.Where(t => !OutboxTopics.Deferrable.Contains(t)).ToList()
            : renderer.Topics;

    private enum Outcome { Sent, Retrying, Dead, LeaseLost }

    private async Task<Outcome> SendAsync(OutboxRow row, CancellationToken ct)
    {
        string? error = null;
        OutboxProgress? progress = null;
        var watch = Stopwatch.StartNew();
        try
        {
            var delivery = await renderer.RenderAsync(new OutboxEnvelope(row.Id, row.Topic, row.OrderingKey, row.Payload, row.Attempts, row.CreatedAt), ct);
            var before = row.Progress is null ? OutboxProgress.None : JsonSerializer.Deserialize<OutboxProgress>(row.Progress, Json) ?? OutboxProgress.None;
            await DeliverAsync(row, delivery, before, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw; // shutting down: the lease runs out and the row comes back
        }
        catch (DingTalkApiException e)
        {
            error = $"{e.Endpoint}: {e.Code} {e.ApiMessage} (HTTP {e.HttpStatus}, request {e.RequestId ?? "-"})";
        }
        catch (OutboxDeliveryException e)
        {
            error = e.Message;
            progress = e.Progress;
        }
        catch (HttpRequestException e)
        {
            error = $"http: {e.HttpRequestError} {e.StatusCode}";
        }
        catch (TaskCanceledException)
        {
            error = "timeout";
        }
        catch (Exception e)
        {
            error = $"{e.GetType().Name}: {e.Message}";
        }

        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        if (error is null)
        {
            if (await store.MarkSentAsync(conn, row, CancellationToken.None))
            {
                Log.Sent(logger, row.Id, row.Topic, row.Attempts, watch.ElapsedMilliseconds);
                return Outcome.Sent;
            }
            Log.LeaseLost(logger, row.Id, row.Topic);
            return Outcome.LeaseLost;
        }

        var dead = _o.IsLastAttempt(row.Attempts, row.CreatedAt, clock.GetUtcNow().UtcDateTime);
        var next = clock.GetUtcNow() + Backoff(row.Attempts, _o.BaseBackoff, _o.MaxBackoff, Random.Shared.NextDouble());
        var progressJson = progress is null ? null : JsonSerializer.Serialize(progress, Json);
        if (!await store.MarkFailedAsync(conn, row, error, next, dead, CancellationToken.None, progressJson))
        {
            Log.LeaseLost(logger, row.Id, row.Topic);
            return Outcome.LeaseLost;
        }
        if (dead)
        {
            Log.Dead(logger, row.Id, row.Topic, row.Attempts, error);
            return Outcome.Dead;
        }
        Log.Retrying(logger, row.Id, row.Topic, row.Attempts, next, error);
        return Outcome.Retrying;
    }

    private async Task DeliverAsync(OutboxRow row, OutboxDelivery delivery, OutboxProgress before, CancellationToken ct)
    {
        switch (delivery)
        {
            case OutboxDelivery.GroupMessage g:
                await dingTalk.SendGroupMessageAsync(g.OpenConversationId, g.Message, ct);
                break;
            case OutboxDelivery.UserMessages u:
                await SendToUsersAsync(row, u, before, ct);
                break;
            case OutboxDelivery.Card c:
                await DeliverCardAsync(c, before, ct);
                break;
            case OutboxDelivery.CardRefresh r:
                await dingTalk.UpdateCardAsync(r.Update, ct);
                break;
            case OutboxDelivery.WorkNotice w:
                await dingTalk.SendWorkNotificationAsync(w.Notification, ct);
                break;
            case OutboxDelivery.Todos t:
                await SendTodosAsync(row, t, ct);
                break;
            case OutboxDelivery.External x:
                await x.SendAsync(ct);
                break;
            case OutboxDelivery.Nothing n:
                Log.NothingToSend(logger, row.Id, row.Topic, n.Reason);
                break;
            default:
                throw new OutboxDeliveryException($"no sender for {delivery.GetType().Name}");
        }
    }

    /// <summary>
    /// Users DingTalk flow-controlled are retried on the next attempt, and only they; invalid users never will
    /// receive anything, so they count as done (and are logged).
    /// </summary>
    private async Task SendToUsersAsync(OutboxRow row, OutboxDelivery.UserMessages u, OutboxProgress before, CancellationToken ct)
    {
        var done = before.Done.ToHashSet(StringComparer.Ordinal);
        var remaining = u.UserIds.Where(id => !done.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
        if (remaining.Count == 0) return;
        var result = await dingTalk.SendUserMessagesAsync(remaining, u.Message, ct);
        if (result.InvalidUserIds.Count > 0) Log.InvalidUsers(logger, row.Id, result.InvalidUserIds.Count);
        if (result.FlowControlledUserIds.Count == 0) return;
        var later = result.FlowControlledUserIds.ToHashSet(StringComparer.Ordinal);
        done.UnionWith(remaining.Where(id => !later.Contains(id)));
        throw new OutboxDeliveryException(
            $"{later.Count} of {remaining.Count} users flow-controlled by DingTalk", new OutboxProgress(before.CardCreated, done.Order().ToList()));
    }

    /// <summary>
    /// Creates and completes to-dos one by one, each recorded as soon as DingTalk answers. A create DingTalk refuses because
    /// the sourceId exists (an earlier attempt made it, its answer was lost) makes no second to-do: the to-do is looked up by
    /// its sourceId and recorded with the id DingTalk has for it, so it is completed later like any other; should DingTalk
    /// refuse the lookup too, it is recorded with no id (and is never completed by us).
    /// </summary>
    private async Task SendTodosAsync(OutboxRow row, OutboxDelivery.Todos t, CancellationToken ct)
    {
        foreach (var call in t.Calls)
        {
            string? taskId = null;
            if (call.Create is { } create)
            {
                try
                {
                    taskId = (await dingTalk.CreateTodoAsync(call.OperatorUnionId, create, ct)).Id;
                }
                catch (DingTalkApiException e) when (IsTodoExists(e))
                {
                    taskId = await LostTodoIdAsync(row, call, create, ct);
                }
            }
            else if (call.TaskId is { Length: > 0 } id)
            {
                await dingTalk.UpdateTodoAsync(call.OperatorUnionId, id, new TodoUpdate { Done = true }, ct);
            }
            await t.RecordAsync(call, taskId, ct);
        }
    }

    /// <summary>The id of a to-do an earlier attempt created (its answer lost), by its sourceId; empty if DingTalk will not say.</summary>
    private async Task<string> LostTodoIdAsync(OutboxRow row, TodoCall call, TodoCreate create, CancellationToken ct)
    {
        try
        {
            var found = await dingTalk.GetTodoBySourceIdAsync(call.OperatorUnionId, create.SourceId ?? "", ct);
            if (!string.IsNullOrEmpty(found.Id))
            {
                Log.TodoFound(logger, row.Id, call.TodoId);
                return found.Id;
            }
        }
        catch (DingTalkApiException e) when (!e.IsTransient)
        {
            Log.TodoLookupRefused(logger, row.Id, call.TodoId, e.Code);
        }
        Log.TodoExists(logger, row.Id, call.TodoId);
        return "";
    }

    /// <summary>DingTalk's answer to a second create with the same sourceId ("task exist"; the exact code is not published).</summary>
    private static bool IsTodoExists(DingTalkApiException e) =>
        (e.Code + " " + e.ApiMessage).Contains("exist", StringComparison.OrdinalIgnoreCase) || e.ApiMessage.Contains("已存在", StringComparison.Ordinal);

    /// <summary>
    /// A new card is created and delivered in one call. A card an earlier delivery made (<see cref="OutboxDelivery.Card.Exists"/>;
    /// DingTalk refuses a second create of one outTrackId) is delivered to the new spaces, after an update giving the new holders
    /// their private buttons unless the update sent just before carried them; should DingTalk not know it after all (its first
    /// delivery never got through), it is created then. A space that failed is retried alone, by delivering the card (made by
    /// then); spaces already served are never sent the card again.
    /// </summary>
    private async Task DeliverCardAsync(OutboxDelivery.Card c, OutboxProgress before, CancellationToken ct)
    {
        var card = c.Delivery;
        var done = before.Done.ToHashSet(StringComparer.Ordinal);
        var remaining = card.SpaceKeys.Where(k => !done.Contains(k)).ToHashSet(StringComparer.Ordinal);
        if (remaining.Count == 0) return;
        var target = card.Only(remaining);

        var result = before.CardCreated ? await dingTalk.DeliverCardAsync(target, ct)
            : c.Exists ? await DeliverExistingAsync(target, c.PrivateDataSent, ct)
            : await CreateAsync(target, ct);
        if (result.AllDelivered) return;

        var failed = result.Failed.Select(f => $"{f.SpaceType}.{f.SpaceId}").ToHashSet(StringComparer.Ordinal);
        done.UnionWith(remaining.Where(k => !failed.Contains(k)));
        throw new OutboxDeliveryException(
            $"card {card.OutTrackId} not delivered to {failed.Count} of {remaining.Count} spaces: " +
            string.Join("; ", result.Failed.Select(f => $"{f.SpaceType} {f.ErrorMsg}")),
            new OutboxProgress(true, done.Order().ToList()));
    }

    private async Task<CardDeliveryResult> CreateAsync(CardDelivery target, CancellationToken ct)
    {
        try
        {
            return await dingTalk.CreateAndDeliverCardAsync(target, ct);
        }
        catch (DingTalkApiException e) when (e.Code == "param.cardAlreadyExist")
        {
            // An earlier attempt created it but its answer was lost (timeout, crash): deliver what is left.
            return await dingTalk.DeliverCardAsync(target, ct);
        }
    }

    private async Task<CardDeliveryResult> DeliverExistingAsync(CardDelivery target, bool privateDataSent, CancellationToken ct)
    {
        try
        {
            if (!privateDataSent)
                await dingTalk.UpdateCardAsync(new CardUpdate(target.OutTrackId, target.CardParamMap, MergeByKey: true, target.PrivateData), ct);
            return await dingTalk.DeliverCardAsync(target, ct);
        }
        catch (DingTalkApiException e) when (IsCardMissing(e))
        {
            return await dingTalk.CreateAndDeliverCardAsync(target, ct);
        }
    }

    /// <summary>DingTalk's answer for an outTrackId it never created: <c>param.cardNotExist</c> (facts §4.2), "card is not exist".</summary>
    private static bool IsCardMissing(DingTalkApiException e) =>
        e.Code == "param.cardNotExist" || e.ApiMessage.Contains("card is not exist", StringComparison.OrdinalIgnoreCase)
        || e.ApiMessage.Contains("卡片不存在", StringComparison.Ordinal);

    /// <summary>
    /// Exponential backoff with "equal jitter": the n-th retry waits between half and all of
    /// min(base × 2^(n−1), max). <paramref name="unit"/> is a uniform draw in [0, 1).
    /// </summary>
    public static TimeSpan Backoff(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double unit)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var capped = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + capped / 2 * unit);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Outbox {Id} ({Topic}) sent on attempt {Attempt} in {ElapsedMs} ms")]
        public static partial void Sent(ILogger logger, long id, string topic, int attempt, long elapsedMs);

        [LoggerMessage(2, LogLevel.Warning, "Outbox {Id} ({Topic}) attempt {Attempt} failed, retry at {Next:O}: {Error}")]
        public static partial void Retrying(ILogger logger, long id, string topic, int attempt, DateTimeOffset next, string error);

        [LoggerMessage(3, LogLevel.Error, "Outbox {Id} ({Topic}) is dead after {Attempts} attempts: {Error}")]
        public static partial void Dead(ILogger logger, long id, string topic, int attempts, string error);

        [LoggerMessage(4, LogLevel.Warning, "Outbox {Id} ({Topic}): the claim expired before the result was recorded; another dispatcher owns it")]
        public static partial void LeaseLost(ILogger logger, long id, string topic);

        [LoggerMessage(5, LogLevel.Information, "Outbox {Id} ({Topic}): nothing to send ({Reason})")]
        public static partial void NothingToSend(ILogger logger, long id, string topic, string reason);

        [LoggerMessage(6, LogLevel.Warning, "Outbox {Id}: DingTalk refused {Invalid} recipients as invalid; they are not retried")]
        public static partial void InvalidUsers(ILogger logger, long id, int invalid);

        [LoggerMessage(7, LogLevel.Warning, "Outbox {Id}: to-do {TodoId} exists in DingTalk already (an earlier attempt made it); not made again, its id is unknown")]
        public static partial void TodoExists(ILogger logger, long id, long todoId);

        [LoggerMessage(8, LogLevel.Information, "Outbox {Id}: to-do {TodoId} existed in DingTalk already (an earlier attempt made it, its answer lost); its id found by its sourceId")]
        public static partial void TodoFound(ILogger logger, long id, long todoId);

        [LoggerMessage(9, LogLevel.Warning, "Outbox {Id}: to-do {TodoId}: DingTalk refused the lookup by sourceId ({Code})")]
        public static partial void TodoLookupRefused(ILogger logger, long id, long todoId, string code);
    }
}

/// <summary>
/// A delivery that failed or was accepted only in part (a card space failed, users were flow-controlled); the row
/// is retried, and <see cref="Progress"/> tells the retry what not to send again.
/// </summary>
public sealed class OutboxDeliveryException(string message, OutboxProgress? progress = null) : Exception(message)
{
    public OutboxProgress? Progress { get; } = progress;
}
