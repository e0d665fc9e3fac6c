using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SchoolSafety.Core;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Demo;

namespace SchoolSafety.Bench;

/// <summary>What the in-host benchmarks share: the bare baseline endpoint and a clean, started host.</summary>
public static class BenchHost
{
    /// <summary>
    /// Core's services on <paramref name="cs"/> without a host, as the Core-level benches use them: the Testing environment
    /// (no DingTalk credentials, calls recorded and metered as in tests; any other name outside Development refuses the
    /// offline recorder), quiet logs, an optional clock and further settings.
    /// </summary>
    public static ServiceProvider CoreServices(string cs, TimeProvider? clock = null, LogLevel logLevel = LogLevel.Warning,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Deployment.Testing });
        builder.Logging.SetMinimumLevel(logLevel);
        var config = new Dictionary<string, string?> { ["ConnectionStrings:SchoolSafety"] = cs };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);
        if (clock is not null) builder.Services.AddSingleton(clock);
        builder.AddSchoolSafetyCore();
        return builder.Services.BuildServiceProvider();
    }

    /// <summary>
    /// <c>POST /bench/bare</c> in the host under test: reads the whole request body, then one
    /// <c>INSERT</c> + <c>COMMIT</c>. The baseline every host benchmark divides by.
    /// </summary>
    public static void MapBareInsert(WebApplication app)
    {
        var db = app.Services.GetRequiredService<MySqlDataSource>();
        app.MapPost("/bench/bare", async (HttpRequest request, CancellationToken ct) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition("INSERT INTO bench_raw (payload, created_at) VALUES (@p, UTC_TIMESTAMP(6))",
                new { p = $"{buffer.Length} bytes" }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return Results.Ok();
        });
    }

    /// <summary>Migrates, starts the host on its random port, loads the demo district and empties the tables a run writes; returns the base URL.</summary>
    public static async Task<string> StartCleanAsync(WebApplication app)
    {
        await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await app.Services.GetRequiredService<DemoDistrict>().LoadAsync(CancellationToken.None);
        await using var conn = await app.Services.GetRequiredService<MySqlDataSource>().OpenConnectionAsync();
        await conn.ExecuteAsync("CREATE TABLE IF NOT EXISTS bench_raw (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(200) NOT NULL, created_at DATETIME(6) NOT NULL) ENGINE = InnoDB");
        foreach (var t in new[] { "bench_raw", "outbox", "idempotency_keys", "clue_events", "clue_units", "card_copies", "clues", "clue_number_counters", "audit_log", "photo_uploads", "clue_daily", "clue_daily_closings" })
            await conn.ExecuteAsync($"DELETE FROM {t}");
        return url;
    }
}
