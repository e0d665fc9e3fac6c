using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using SchoolSafety.Core.Startup;

namespace SchoolSafety.Core.Data;

/// <summary>Ready = the database answers and every embedded migration is applied.</summary>
internal sealed class DatabaseReadyCheck(SchemaMigrator migrator, ILoggerFactory loggers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            if (!await migrator.IsCurrentAsync(ct)) return HealthCheckResult.Unhealthy("database not migrated");
            StartupTimeline.Ready(loggers);
            return HealthCheckResult.Healthy("database reachable and migrated");
        }
        catch (Exception e) when (e is MySqlConnector.MySqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
