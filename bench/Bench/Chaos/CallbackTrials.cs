using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.DingTalk;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// Kind 2: the Callbacks host killed at random moments under a burst of card clicks (签收 by the clue's handler, on a card
/// delivered to them) and event pushes, each sent again as DingTalk does until it is answered (the same signed request).
/// A trial is a click or push outstanding at a kill. Then: every answered click applied once (one 签收 event on its clue),
/// every answered push stored once and processed once by the host's inbox worker (which is killed too).
/// </summary>
public static class CallbackTrials
{
    public static async Task<ChaosResult> RunAsync(string baseCs, int trials, TextWriter log)
    {
        await using var ctx = await ChaosContext.CreateAsync(baseCs, log);
        await using var services = ChaosSeed.Services(ctx);
        await ChaosSeed.DemoAsync(services);
        var targets = await ChaosSeed.ReportAsync(services, ctx, Math.Max(20, trials), "click");
        await ChaosSeed.DrainAsync(services);   // the cards reach their handlers: a click counts only on a delivered copy
        var handlers = await ctx.QueryAsync<(long Id, string DingTalkId)>(
            "SELECT c.id, u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.assignee_user_id JOIN card_copies k ON k.clue_id = c.id AND k.user_id = u.id ORDER BY c.id");
        var clicks = new Queue<(long Id, string DingTalkId)>(handlers);

        var env = ctx.HostEnv();
        env["Inbox__PollInterval"] = "00:00:00.300";
        env["Inbox__Lease"] = "00:00:02";
        env["Inbox__BaseBackoff"] = "00:00:00.200";
        await using var host = new ChaosProcess("Callbacks", ChaosPorts.Next(), env, ctx.Scratch);
        await host.StartReadyAsync();

        var made = 0;
        var stopMaking = false;
        var gate = new Lock();
        ChaosOp? Next()
        {
            if (Volatile.Read(ref stopMaking)) return null;
            var i = Interlocked.Increment(ref made);
            lock (gate)
                if (i % 2 == 0 && clicks.TryDequeue(out var c)) return CallbackOps.Click(c.Id, c.DingTalkId);
            return CallbackOps.Push(i);
        }

        using var burst = new ChaosBurst(host.Url, Next);
        burst.Start(12);
        var (kills, interrupted) = await burst.KillRoundsAsync(host, trials, 2, log);
        Volatile.Write(ref stopMaking, true);
        await burst.CompleteAsync(TimeSpan.FromMinutes(3));
        // The worker finishes the inbox (a claim of a killed worker comes back after its lease).
        var drain = Stopwatch.StartNew();
        while (await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE processed_at IS NULL AND dead_at IS NULL") > 0
               && drain.Elapsed < TimeSpan.FromMinutes(2))
            await Task.Delay(250);
        await host.KillAsync();

        var ops = burst.Finished.ToList();
        int losses = 0, duplicates = 0, refused = 0;
        foreach (var op in ops)
        {
            if (op.Status is < 200 or >= 300) { refused++; await log.WriteLineAsync($"  kind 2: {op.Id} answered {op.Status}: {op.Answer}"); continue; }
            long count;
            if (op.Tag is long clueId)
                count = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM clue_events WHERE clue_id = @clueId AND action = 'Accept'", new { clueId });
            else
                count = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE event_key = @k AND processed_at IS NOT NULL", new { k = op.Id });
            if (count == 0) losses++;
            if (count > 1) duplicates += (int)count - 1;
        }
        var reprocessed = await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_events WHERE attempts > 1");
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"{ops.Count(o => o.Tag is long)} clicks, {ops.Count(o => o.Tag is null)} event pushes; {refused} refused; {reprocessed} events claimed again after a killed worker (processed once)");
        return new ChaosResult(2, "Callbacks host during card clicks and event pushes", kills, interrupted, ops.Count, losses + refused, duplicates, measured);
    }
}

/// <summary>Signed requests as DingTalk sends them: a card click and an event push, each the same bytes on every retry.</summary>
public static class CallbackOps
{
    public static ChaosOp Click(long clueId, string handler)
    {
        var content = JsonSerializer.Serialize(new
        {
            cardPrivateData = new { actionIds = new[] { "btn_accept" }, @params = new { action = "accept", clueId = clueId.ToString(CultureInfo.InvariantCulture), version = "1" } },
        });
        var body = JsonSerializer.Serialize(new { type = "actionCallback", outTrackId = CardComposer.OutTrackId(clueId), corpId = "dingcorp", userId = handler, content });
        var ts = UniqueMilliseconds().ToString(CultureInfo.InvariantCulture);
        var signature = DingTalkCallbackCrypto.ComputeCardSignature(ChaosContext.CardSecret, ts);
        return new ChaosOp
        {
            Id = $"click-{clueId}",
            Tag = clueId,
            Send = (http, ct) =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/dingtalk/cards") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("x-ddpaas-signature-timestamp", ts);
                request.Headers.Add("x-ddpaas-signature", signature);
                return http.SendAsync(request, ct);
            },
        };
    }

    private static long _lastMs;

    /// <summary>
    /// A click's timestamp, never the same as another click's: DingTalk signs only the timestamp, and the Callbacks host takes
    /// a second click signed in the same millisecond for a replay (401); see docs/reliability.md, found beside the trials.
    /// </summary>
    private static long UniqueMilliseconds()
    {
        while (true)
        {
            var last = Interlocked.Read(ref _lastMs);
            var next = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), last + 1);
            if (Interlocked.CompareExchange(ref _lastMs, next, last) == last) return next;
        }
    }

    public static ChaosOp Push(int i)
    {
        var id = $"chaos-event-{i}";
        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var plaintext = JsonSerializer.Serialize(new { EventType = "attendance_check_record", eventId = id, CorpId = "dingcorp", TimeStamp = ts });
        var encrypt = DingTalkCallbackCrypto.Encrypt(ChaosContext.AesKey, ChaosContext.AppKey, plaintext, Guid.NewGuid().ToString("N")[..16]);
        const string nonce = "chaosnonce123456";
        var signature = DingTalkCallbackCrypto.ComputeSignature(ChaosContext.Token, ts, nonce, encrypt);
        return new ChaosOp
        {
            Id = id,
            Send = (http, ct) => http.PostAsJsonAsync($"/dingtalk/events?signature={Uri.EscapeDataString(signature)}&timestamp={ts}&nonce={nonce}", new { encrypt }, ct),
        };
    }
}
