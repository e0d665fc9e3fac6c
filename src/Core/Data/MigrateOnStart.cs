using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SchoolSafety.Core.Demo;

namespace SchoolSafety.Core.Data;

/// <summary>
/// Migrates the schema before the host serves anything; loads the demo district only when
/// <c>SchoolSafety:LoadDemo</c> is true (the run command sets it, nothing else does).
/// </summary>
internal sealed class MigrateOnStart(IServiceProvider services, IConfiguration config) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await services.GetRequiredService<SchemaMigrator>().MigrateAsync(ct);
        if (config.GetValue<bool>("SchoolSafety:LoadDemo"))
            await services.GetRequiredService<DemoDistrict>().LoadAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
