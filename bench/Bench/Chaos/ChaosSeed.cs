using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Bench.Chaos;

/// <summary>A trial database's contents made in the harness with Core's own services: the schema, the demo district, clues.</summary>
public static class ChaosSeed
{
    public static ServiceProvider Services(ChaosContext ctx, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["DingTalk:OfflineLogPath"] = Path.Combine(ctx.Scratch, "harness-dingtalk-calls.jsonl") };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        return BenchHost.CoreServices(ctx.ConnectionString, settings: all);
    }

    /// <summary>Migrates and loads the demo district (余杭区: schools, work groups with chats, units, people).</summary>
    public static async Task DemoAsync(IServiceProvider services)
    {
        await services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        await services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    /// <summary>The demo's school reporters (user ids), for reports.</summary>
    public static async Task<List<long>> ReportersAsync(ChaosContext ctx) =>
        await ctx.QueryAsync<long>("SELECT user_id FROM memberships WHERE role = 'Reporter' AND title IS NULL ORDER BY user_id");

    /// <summary>Reports <paramref name="count"/> clues (each queues its card, its group notice and its exchange event); returns their ids.</summary>
    public static async Task<List<long>> ReportAsync(IServiceProvider services, ChaosContext ctx, int count, string tag)
    {
        var clues = services.GetRequiredService<ClueService>();
        var reporters = await ReportersAsync(ctx);
        var made = new ConcurrentBag<long>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var o = await clues.ReportAsync(new ReportCommand
                {
                    ReporterUserId = reporters[i % reporters.Count], ItemNo = 4 + i % 3, Description = $"校门口有无证摊贩占道经营（{tag}-{i}）",
                    IdempotencyKey = $"{tag}-{i}",
                });
                if (o.Kind != OutcomeKind.Applied) throw new InvalidOperationException($"seed report refused: {o.Code} {o.Message}");
                made.Add(o.ClueId);
            }
        })));
        return made.Order().ToList();
    }

    /// <summary>Sends what the outbox holds through the harness's own (offline) dispatcher: the cards' copies are recorded.</summary>
    public static async Task DrainAsync(IServiceProvider services) =>
        await services.GetRequiredService<OutboxDispatcher>().DrainAsync(TimeSpan.FromMinutes(5), CancellationToken.None);

    public static async Task ExecAsync(ChaosContext ctx, string sql, object? args = null)
    {
        await using var conn = new MySqlConnection(ctx.ConnectionString);
        await conn.OpenAsync();
        await conn.ExecuteAsync(sql, args);
    }
}
