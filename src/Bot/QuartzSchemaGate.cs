using Dapper;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Quartz;

namespace SchoolSafety.Bot;

/// <summary>
/// Builds the scheduler, and with it Quartz's own QRTZ_ tables (<c>ProvisionSchema</c>: it creates what is missing and
/// never alters or drops), under a server-wide named lock before any hosted service starts, so that Bots starting
/// together create the tables once and none starts against a half-made schema. Quartz's script is guarded against races
/// itself; the lock makes the order plain and keeps concurrent DDL off the server.
/// </summary>
internal sealed class QuartzSchemaGate(ISchedulerFactory schedulers, IOptions<QuartzStoreConnection> store) : IHostedLifecycleService
{
    private const string LockName = "schoolsafety.quartz-schema";

    public async Task StartingAsync(CancellationToken ct)
    {
        await using var conn = new MySqlConnection(store.Value.ConnectionString);
        await conn.OpenAsync(ct);
        if (await conn.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT GET_LOCK(@Name, 120)", new { Name = LockName }, cancellationToken: ct)) != 1)
            throw new InvalidOperationException("Could not take the Quartz schema lock within 120 s.");
        try
        {
            await schedulers.GetScheduler(ct);   // initialises the job store: creates the missing QRTZ_ tables, then validates them
            SchoolSafety.Core.Startup.StartupTimeline.Mark("quartz-schema");
        }
        finally
        {
            await conn.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT RELEASE_LOCK(@Name)", new { Name = LockName }, cancellationToken: CancellationToken.None));
        }
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>The connection string Quartz's job store uses.</summary>
internal sealed class QuartzStoreConnection
{
    public string ConnectionString { get; set; } = "";
}
