using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Retention;
using SkiaSharp;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// Kind 1: the mini-app host killed at random moments under a burst of reports with a photo and of actions (签收 of clues
/// reported beforehand), each retried by its client with the same idempotency key after the restart. A trial is an
/// operation whose request was outstanding at a kill. Then: every acknowledged report and action exists exactly once; every
/// stored photo belongs to its clue (attached, so the purge keeps it) or is removed by the purge a day later.
/// </summary>
public static class MiniAppTrials
{
    public static async Task<ChaosResult> RunAsync(string baseCs, int trials, TextWriter log)
    {
        await using var ctx = await ChaosContext.CreateAsync(baseCs, log);
        await using var services = ChaosSeed.Services(ctx);
        await ChaosSeed.DemoAsync(services);
        var targets = await ChaosSeed.ReportAsync(services, ctx, Math.Max(20, trials), "accept");
        var handlers = (await ctx.QueryAsync<(long Id, string DingTalkId)>(
            "SELECT c.id, u.dingtalk_user_id FROM clues c JOIN users u ON u.id = c.assignee_user_id WHERE c.id IN @Ids", new { Ids = targets })).ToDictionary(r => r.Id, r => r.DingTalkId);
        var reporters = await ctx.QueryAsync<string>(
            "SELECT u.dingtalk_user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.role = 'Reporter' AND m.title IS NULL ORDER BY m.user_id");

        var env = ctx.HostEnv();
        foreach (var limit in new[] { "LoginPerAddress", "UploadsPerUser", "UploadsPerAddress", "ReportsPerUser", "ReportsPerAddress", "ActionsPerUser", "ActionsPerAddress" })
            env[$"RateLimits__{limit}"] = "1000000";
        env["Photos__DailyUploadsPerUser"] = "100000";
        await using var host = new ChaosProcess("MiniApp.Api", ChaosPorts.Next(), env, ctx.Scratch);
        await host.StartReadyAsync();

        var tokens = await MiniAppLogin.TokensAsync(host.Url, reporters.Concat(handlers.Values));

        var photo = Photo();
        var pendingAccepts = new ConcurrentQueue<long>(targets.Where(handlers.ContainsKey));
        var made = 0;
        var stopMaking = false;
        ChaosOp? Next()
        {
            if (Volatile.Read(ref stopMaking)) return null;
            var i = Interlocked.Increment(ref made);
            if (i % 2 == 0 && pendingAccepts.TryDequeue(out var clueId)) return Accept(clueId, tokens[handlers[clueId]]);
            return MiniAppLogin.TextReport($"report-{i}", tokens[reporters[i % reporters.Count]], photo);
        }

        using var burst = new ChaosBurst(host.Url, Next);
        burst.Start(12);
        var (kills, interrupted) = await burst.KillRoundsAsync(host, trials, 1, log);
        Volatile.Write(ref stopMaking, true);
        await burst.CompleteAsync(TimeSpan.FromMinutes(3));
        await host.KillAsync();

        var ops = burst.Finished.ToList();
        int losses = 0, duplicates = 0, refused = 0;
        foreach (var op in ops)
        {
            if (op.Status is < 200 or >= 300) { refused++; await log.WriteLineAsync($"  kind 1: {op.Id} answered {op.Status}: {op.Answer}"); continue; }
            var count = op.Tag is long clueId
                ? await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM clue_events WHERE clue_id = @clueId AND action = 'Accept'", new { clueId })
                : await ctx.ScalarAsync<long>("SELECT COUNT(*) FROM clues WHERE description = @d", new { d = MiniAppLogin.Description(op.Id) });
            if (count == 0) losses++;
            if (count > 1) duplicates += (int)count - 1;
        }
        // Photos: what a clue names is on disk and attached to it; the purge a day later leaves on disk exactly those.
        var named = (await ctx.QueryAsync<string>("SELECT attachments FROM clues WHERE attachments IS NOT NULL"))
            .SelectMany(a => JsonSerializer.Deserialize<List<string>>(a)!).ToHashSet(StringComparer.Ordinal);
        var unattached = await ctx.ScalarAsync<long>(
            "SELECT COUNT(*) FROM photo_uploads WHERE photo_key IN @Keys AND (attached_kind IS NULL OR attached_kind <> 'clue')", new { Keys = named.DefaultIfEmpty("-").ToList() });
        var folder = Path.Combine(ctx.Scratch, "photos");
        var before = StoredKeys(folder);
        await using (var later = BenchHost.CoreServices(ctx.ConnectionString, new LaterClock(TimeSpan.FromDays(2)),
                         settings: new Dictionary<string, string?> { ["Photos:Folder"] = folder }))
            await later.GetRequiredService<RetentionService>().PurgeAsync(CancellationToken.None);
        var after = StoredKeys(folder);
        var photosLost = named.Count(k => !after.Contains(k));
        var leaked = after.Count(k => !named.Contains(k));
        await log.WriteLineAsync($"  kind 1: {named.Count} photos named by clues ({unattached} of them not attached to their clue), {before.Count} stored before the purge, {after.Count} after; {photosLost} lost, {leaked} left over");

        var measured = string.Create(CultureInfo.InvariantCulture,
            $"{ops.Count(o => o.Tag is null)} reports with a photo, {ops.Count(o => o.Tag is long)} 签收; {refused} refused; photos: {photosLost} of {named.Count} gone after the purge, {leaked} stored files belonging to nothing");
        return new ChaosResult(1, "mini-app host during reports and actions", kills, interrupted, ops.Count, losses + refused + photosLost + leaked, duplicates, measured);
    }

    private static ChaosOp Accept(long clueId, string token) => new()
    {
        Id = $"accept-{clueId}",
        Tag = clueId,
        Send = (http, ct) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/clues/{clueId}/actions")
            {
                Content = JsonContent.Create(new { action = "accept", version = 1, idempotencyKey = $"accept-{clueId}" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return http.SendAsync(request, ct);
        },
    };

    /// <summary>The keys of the photo files in the store's folder (originals, thumbnails and temporary files alike).</summary>
    private static HashSet<string> StoredKeys(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f).Split('.')[0]).ToHashSet(StringComparer.Ordinal)
            : [];

    /// <summary>A small JPEG (320×240), so that the burst measures the host and not the decoder.</summary>
    private static byte[] Photo()
    {
        using var bitmap = new SKBitmap(320, 240);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(320, 240), [SKColors.SkyBlue, SKColors.ForestGreen], SKShaderTileMode.Clamp) })
            canvas.DrawRect(0, 0, 320, 240, paint);
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(SKEncodedImageFormat.Jpeg, 85).ToArray();
    }
}

/// <summary>Real time moved by an offset: the purge as it runs a day or two later.</summary>
public sealed class LaterClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
