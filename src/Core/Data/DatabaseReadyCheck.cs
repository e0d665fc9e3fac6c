using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SchoolSafety.Core.Data;

/// <summary>Ready = the database answers and every embedded migration is applied.</summary>
internal sealed class DatabaseReadyCheck(SchemaMigrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            return await migrator.IsCurrentAsync(ct)
                ? HealthCheckResult.Healthy("database reachable and migrated")
                : HealthCheckResult.Unhealthy("database not migrated");
        }
        catch (Exception e) when (e is MySqlConnector.MySqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
