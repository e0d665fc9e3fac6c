using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Bench;

/// <summary>
/// (1) Outbox drain rate against the per-API limit: N group messages through the real dispatcher, claim SQL,
/// DingTalk client and rate limiter, to a local fake DingTalk (HttpListener, fixed latency) that timestamps
/// every arrival. Baseline: the same drain with no effective limit. Target: ≥ 90% of the limit, never above it
/// in any one-second window. (2) Callback crypto: verify + decrypt (<see cref="DingTalkCallbackCrypto.Open"/>)
/// per second on one thread, with the signature alone and the decrypt alone as baselines.
/// </summary>
public static class GatewayBench
{
    private const string Topic = "bench.group";

    public static async Task RunAsync(string[] args)
    {
        var limit = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var messages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 600;
        var latencyMs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50;
        var cs = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        await using var db = await OwnDatabaseAsync(cs);
        await new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        await using var fake = FakeDingTalk.Start(latencyMs);

        Console.WriteLine($"gateway bench: outbox drain of {messages} group messages, fake DingTalk latency {latencyMs} ms, " +
                          $"dispatcher defaults (batch {new OutboxOptions().BatchSize}, concurrency {new OutboxOptions().Concurrency}), {Environment.ProcessorCount} cores");
        var baseline = await DrainAsync(db, fake, 100_000, messages);
        Console.WriteLine($"(a) baseline, no limit     : {baseline.MeanRate,7:0.0} /s   (drained in {baseline.Elapsed.TotalSeconds:0.0} s)");
        var limited = await DrainAsync(db, fake, limit, messages);
        Console.WriteLine($"(b) limit {limit,3}/s per API   : {limited.SteadyRate,7:0.0} /s steady = {limited.SteadyRate / limit:P1} of the limit " +
                          $"(drained in {limited.Elapsed.TotalSeconds:0.0} s)");
        Console.WriteLine($"    busiest 1 s window at DingTalk: {limited.Busiest} calls (limit {limit}) -> {(limited.Busiest <= limit ? "never above the limit" : "ABOVE THE LIMIT")}");
        Console.WriteLine($"    calls per whole second since the first: min {limited.Buckets.Min()}, mean {limited.Buckets.Average():0.0}, max {limited.Buckets.Max()}");

        Crypto(TimeSpan.FromSeconds(3));
    }

    /// <summary>
    /// A database of this benchmark's own (bench database name + <c>_gateway</c>), so that the clues benchmark
    /// resetting its tables at the same time cannot take rows away mid-drain.
    /// </summary>
    private static async Task<MySqlDataSource> OwnDatabaseAsync(string benchConnectionString)
    {
        var b = new MySqlConnectionStringBuilder(Db.Normalise(benchConnectionString));
        var name = b.Database + "_gateway";
        b.Database = "";
        await using (var server = new MySqlConnection(b.ConnectionString))
        {
            await server.OpenAsync();
            await server.ExecuteAsync($"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        }
        b.Database = name;
        return new MySqlDataSource(b.ConnectionString);
    }

    private sealed record DrainResult(TimeSpan Elapsed, double MeanRate, double SteadyRate, int Busiest, IReadOnlyList<int> Buckets);

    private static async Task<DrainResult> DrainAsync(MySqlDataSource db, FakeDingTalk fake, int limit, int messages)
    {
        var store = new OutboxStore(TimeProvider.System);
        await using (var conn = await db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("DELETE FROM outbox WHERE topic = @Topic", new { Topic });
            await using var tx = await conn.BeginTransactionAsync();
            await store.EnqueueAsync(conn, tx, Enumerable.Range(1, messages)
                .Select(i => new OutboxMessage(Topic, null, new BenchPayload("cid-bench", $"消息 {i}"))).ToList(), CancellationToken.None);
            await tx.CommitAsync();
        }
        var dingTalk = new DingTalkOptions { ApiBaseUrl = fake.Url, LegacyBaseUrl = fake.Url, AppKey = "bench", AppSecret = "bench", CallsPerSecondPerApi = limit };
        var client = new DingTalkClient(new HttpClient(), Options.Create(dingTalk), new AccessTokenCache(TimeProvider.System, dingTalk.TokenRefreshMargin),
            new ApiRateLimiter(TimeProvider.System, limit, dingTalk.RateWindow),
            TimeProvider.System, NullLogger<DingTalkClient>.Instance);
        var outbox = new OutboxOptions();
        var dispatcher = new OutboxDispatcher(db, store, new BenchRenderer(), client, Options.Create(outbox), TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);

        fake.Arrivals.Clear();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            await dispatcher.DrainAsync(outbox.MaxRunDuration, CancellationToken.None);
            await using var conn = await db.OpenConnectionAsync();
            var pending = await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = @Topic AND sent_at IS NULL", new { Topic });
            if (pending == 0) break;
            await Task.Delay(outbox.PollInterval);
        }
        var elapsed = watch.Elapsed;

        var times = fake.Arrivals.Where(a => a.Path == "/v1.0/robot/groupMessages/send").Select(a => a.At).Order().ToList();
        if (times.Count != messages) throw new InvalidOperationException($"fake DingTalk saw {times.Count} sends, expected {messages}");
        var second = Stopwatch.Frequency;
        var busiest = 0;
        for (int i = 0, j = 0; i < times.Count; i++)
        {
            while (j < times.Count && times[j] - times[i] < second) j++;
            busiest = Math.Max(busiest, j - i);
        }
        var span = (double)(times[^1] - times[0]) / second;
        var wholeSeconds = (int)Math.Floor(span);
        var buckets = Enumerable.Range(0, Math.Max(wholeSeconds, 1))
            .Select(s => times.Count(t => (t - times[0]) / second == s)).ToList();
        // Steady state: the calls after the first window's burst, over the time they took.
        var burst = Math.Min(limit, times.Count);
        var steady = span > 0 ? (times.Count - burst) / ((double)(times[^1] - times[burst - 1]) / second) : double.NaN;
        return new DrainResult(elapsed, times.Count / elapsed.TotalSeconds, steady, busiest, buckets);
    }

    private sealed record BenchPayload(string Cid, string Text);

    private sealed class BenchRenderer : IOutboxMessageRenderer
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

        public IReadOnlyCollection<string> Topics { get; } = [Topic];

        public Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
        {
            var p = JsonSerializer.Deserialize<BenchPayload>(message.Payload, Json)!;
            return Task.FromResult<OutboxDelivery>(new OutboxDelivery.GroupMessage(p.Cid, RobotMessage.Markdown("新线索上报", p.Text)));
        }
    }

    private static void Crypto(TimeSpan duration)
    {
        var secrets = new CallbackSecrets("123456", "1234567890123456789012345678901234567890123", "dingsnotzck6pm5veliw");
        var now = DateTimeOffset.UtcNow;
        var ts = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var plain = JsonSerializer.Serialize(new
        {
            EventType = "user_modify_org", EventTime = now.ToUnixTimeMilliseconds(), CorpId = "ding0123456789abcdef", BizId = "biz-123456",
            eventId = Guid.NewGuid().ToString("N"), UserId = new[] { "manager4220", "user0001", "user0002" }, DeptId = new[] { 1, 2, 3 },
        });
        var encrypt = DingTalkCallbackCrypto.Encrypt(secrets.AesKey, secrets.OwnerKey, plain, "0123456789abcdef");
        var signature = DingTalkCallbackCrypto.ComputeSignature(secrets.Token, ts, "nonce123", encrypt);
        var window = DingTalkCallbackCrypto.DefaultWindow;
        if (!DingTalkCallbackCrypto.Open(secrets, signature, ts, "nonce123", encrypt, now, window).IsValid) throw new InvalidOperationException("bench input does not open");

        Console.WriteLine($"crypto: one thread, an event of {plain.Length} bytes ({encrypt.Length} bytes encrypted), {duration.TotalSeconds:0} s each");
        var open = Rate(duration, () => DingTalkCallbackCrypto.Open(secrets, signature, ts, "nonce123", encrypt, now, window));
        var sign = Rate(duration, () => DingTalkCallbackCrypto.VerifySignature(secrets.Token, ts, "nonce123", encrypt, signature));
        var decrypt = Rate(duration, () => DingTalkCallbackCrypto.Decrypt(secrets.AesKey, encrypt, secrets.OwnerKey));
        Console.WriteLine($"(c) verify + decrypt (Open): {open,10:N0} /s   ({1e6 / open:0.0} µs each)");
        Console.WriteLine($"    baseline signature only : {sign,10:N0} /s");
        Console.WriteLine($"    baseline decrypt only   : {decrypt,10:N0} /s");
    }

    private static double Rate(TimeSpan duration, Func<object> op)
    {
        for (var i = 0; i < 2000; i++) op();
        var n = 0L;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            for (var i = 0; i < 256; i++) op();
            n += 256;
        }
        return n / watch.Elapsed.TotalSeconds;
    }

    /// <summary>A local stand-in for DingTalk: answers the token and robot endpoints after a fixed latency and timestamps arrivals.</summary>
    private sealed class FakeDingTalk : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly int _latencyMs;
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public string Url { get; private init; } = "";
        public ConcurrentQueue<(string Path, long At)> Arrivals { get; } = new();

        private FakeDingTalk(int latencyMs) => _latencyMs = latencyMs;

        public static FakeDingTalk Start(int latencyMs)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var fake = new FakeDingTalk(latencyMs) { Url = $"http://127.0.0.1:{port}" };
            fake._listener.Prefixes.Add(fake.Url + "/");
            fake._listener.Start();
            fake._loop = fake.AcceptAsync();
            return fake;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception) when (_stop.IsCancellationRequested) { return; }
                _ = Task.Run(() => AnswerAsync(context));
            }
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            var path = context.Request.Url!.AbsolutePath;
            Arrivals.Enqueue((path, Stopwatch.GetTimestamp()));
            using (var reader = new StreamReader(context.Request.InputStream)) await reader.ReadToEndAsync();
            if (_latencyMs > 0) await Task.Delay(_latencyMs);
            var body = path == "/v1.0/oauth2/accessToken" ? """{"accessToken":"bench-token","expireIn":7200}""" : """{"processQueryKey":"k"}""";
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try { await _loop; } catch (ObjectDisposedException) { }
            _listener.Close();
        }
    }
}
