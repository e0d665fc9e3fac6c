using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SchoolSafety.Core;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Demo;
using SchoolSafety.MiniApp.Api;
using SchoolSafety.MiniApp.Api.Auth;
using SkiaSharp;

namespace SchoolSafety.Bench;

/// <summary>
/// Clue reports with one ~200 KB photo posted through the real mini-app host (Kestrel, auth, multipart,
/// photo check and re-encode, photo store, ClueService, MariaDB) at N concurrent clients, and in the same
/// run a bare endpoint in the same host that reads the same body and does one insert+commit.
/// Target: report rate ≥ 0.4 × the bare rate.
/// </summary>
public static class MiniAppBench
{
    public static async Task RunAsync(string[] args)
    {
        var cs = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        var clients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 16;
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        // Deleted at the end: a run writes ~2.5 GB. On this VM (ext4 without a journal) the deletion makes file
        // creation slower for the next minutes (freed inodes count as "recently deleted" for 60-360 s and are
        // skipped one by one; 10 % of the next run's CPU in `perf`), so leave minutes between runs.
        var photoFolder = Path.GetFullPath(Path.Combine(".local", "bench-photos", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)));
        try
        {
            await MeasureAllAsync(cs, clients, seconds, photoFolder);
        }
        finally
        {
            // Also when a phase fails (a refused report throws): a run writes gigabytes.
            if (Directory.Exists(photoFolder)) Directory.Delete(photoFolder, recursive: true);
        }
    }

    private static async Task MeasureAllAsync(string cs, int clients, double seconds, string photoFolder)
    {
        // The content root is the bench's own folder, as a real host's is its publish folder (scripts/run.sh): from the
        // checkout's root, the configuration's file watcher would watch every folder of it, the photos being written too.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:SchoolSafety"] = cs, ["MiniApp:Session:SigningKey"] = "bench-signing-key-0123456789abcdef0123", ["Photos:Folder"] = photoFolder,
            ["RateLimits:ReportsPerUser"] = "100000000", ["RateLimits:ReportsPerAddress"] = "100000000", ["RateLimits:UploadsPerUser"] = "100000000",
            ["RateLimits:UploadsPerAddress"] = "100000000", ["RateLimits:LoginPerAddress"] = "100000000", ["Photos:DailyUploadsPerUser"] = "100000",
        });
        builder.AddSchoolSafetyCore();
        builder.AddMiniAppApi();
        var app = builder.Build();
        app.MapMiniAppApi();
        var db = app.Services.GetRequiredService<MySqlDataSource>();
        BenchHost.MapBareInsert(app);
        var url = await BenchHost.StartCleanAsync(app);
        var sessions = app.Services.GetRequiredService<SessionTokens>();
        List<string> tokens;
        await using (var conn = await db.OpenConnectionAsync())
        {
            tokens = [];
            foreach (var id in await conn.QueryAsync<long>("SELECT user_id FROM memberships WHERE role = 'Reporter' AND title IS NULL ORDER BY user_id"))
                tokens.Add((await sessions.IssueAsync(id, "bench", CancellationToken.None)).AccessToken);
        }

        var photo = Photo200K();
        Console.WriteLine($"mini-app bench: {clients} clients, {seconds:0} s per phase, photo {photo.Length / 1024} KB, MariaDB {await ServerVersionAsync(db)}");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(url) };

        Func<long, bool, Task> post = async (i, withPhoto) =>
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent("4"), "itemNo" }, { new StringContent("校门口有无证摊贩占道经营"), "description" },
                { new StringContent(Guid.NewGuid().ToString()), "idempotencyKey" },
            };
            if (withPhoto)
            {
                var image = new ByteArrayContent(photo);
                image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(image, "photos", "gate.jpg");
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clues") { Content = form };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[(int)(i % tokens.Count)]);
            using var response = await http.SendAsync(request);
            if ((int)response.StatusCode != 201) throw new InvalidOperationException($"report failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        };
        Func<long, Task> report = i => post(i, true);
        Func<long, Task> textOnly = i => post(i, false);
        Func<long, Task> bare = async _ =>
        {
            using var content = new ByteArrayContent(photo);
            using var response = await http.PostAsync("/bench/bare", content);
            response.EnsureSuccessStatusCode();
        };

        var timer = Stopwatch.StartNew();
        for (var i = 0; i < 30; i++) await SchoolSafety.Core.Photos.PhotoProcessor.ProcessAsync(photo, "gate.jpg", CancellationToken.None);
        Console.WriteLine($"photo check and metadata removal alone, one thread: {timer.Elapsed.TotalMilliseconds / 30:0.0} ms per photo");
        if (Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_PROFILE") is { } profile and ("report" or "text" or "bare"))
        {
            // For a profiler: only one phase (report: with a photo; text: without; bare: the bare endpoint), for the phase's
            // length, with the CPU this process and MariaDB used in it (from /proc), printed once.
            var phase = profile switch { "report" => report, "text" => textOnly, _ => bare };
            await MeasureAsync(clients, 12, phase);   // warm (tiered compilation settles in ~15 s)
            var (self0, db0) = StatisticsBench.CpuMs();
            var kernel0 = Process.GetCurrentProcess().PrivilegedProcessorTime.TotalMilliseconds;
            var rate = await MeasureAsync(clients, seconds, phase);
            var (self1, db1) = StatisticsBench.CpuMs();
            var kernel = Process.GetCurrentProcess().PrivilegedProcessorTime.TotalMilliseconds - kernel0;
            var (self, dbCpu) = (self1 - self0, db1 - db0);
            var n = rate * seconds;
            Console.WriteLine($"profile: {profile} {rate:0.0} /s; CPU per request: this process {self / n:0.00} ms (of it the kernel's {kernel / n:0.00}), MariaDB {dbCpu / n:0.00} ms");
            await app.StopAsync();
            return;
        }
        // Warm-up until tiered compilation settles (it is still busy ~15 s into a run): otherwise the first
        // round measures partly unoptimised code.
        for (var i = 0; i < 2; i++)
        {
            await MeasureAsync(clients, 3, bare);
            await MeasureAsync(clients, 3, report);
            await MeasureAsync(clients, 2, textOnly);
        }
        var a = new List<double>(); var b = new List<double>(); var c = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            a.Add(await MeasureAsync(clients, seconds, bare));
            b.Add(await MeasureAsync(clients, seconds, report));
            c.Add(await MeasureAsync(clients, seconds, textOnly));
        }
        Console.WriteLine($"(a) bare endpoint, insert+commit : {a.Average(),8:0.0} /s   (rounds: {string.Join(", ", a.Select(r => r.ToString("0.0")))})");
        Console.WriteLine($"(b) report with a photo          : {b.Average(),8:0.0} /s   (rounds: {string.Join(", ", b.Select(r => r.ToString("0.0")))})");
        Console.WriteLine($"ratio (b)/(a)                    : {b.Average() / a.Average(),8:0.00}   (target ≥ 0.40)");
        Console.WriteLine($"(c) the same report, no photo    : {c.Average(),8:0.0} /s   (rounds: {string.Join(", ", c.Select(r => r.ToString("0.0")))}), (c)/(a) = {c.Average() / a.Average():0.00}");
        await app.StopAsync();
        var stored = new DirectoryInfo(photoFolder).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        Console.WriteLine($"photos stored: {stored.Count} files, {stored.Sum(f => f.Length) / 1024 / 1024} MB (now deleted)");
    }

    private static async Task<string> ServerVersionAsync(MySqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        return conn.ServerVersion;
    }

    /// <summary>A photo-like JPEG of about 200 KB: 1280×960, gradients with grain, quality 80.</summary>
    private static byte[] Photo200K()
    {
        using var bitmap = new SKBitmap(1280, 960);
        var rnd = new Random(7);
        for (var y = 0; y < bitmap.Height; y++)
            for (var x = 0; x < bitmap.Width; x++)
            {
                var grain = rnd.Next(-12, 13);
                bitmap.SetPixel(x, y, new SKColor((byte)Math.Clamp(x / 5 + grain, 0, 255), (byte)Math.Clamp(y / 4 + grain, 0, 255), (byte)Math.Clamp((x + y) / 9 + grain, 0, 255)));
            }
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(SKEncodedImageFormat.Jpeg, 80).ToArray();
    }

    private static async Task<double> MeasureAsync(int clients, double seconds, Func<long, Task> op)
    {
        long done = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (sw.Elapsed.TotalSeconds < seconds) await op(Interlocked.Increment(ref done));
        })));
        return done / sw.Elapsed.TotalSeconds;
    }
}
