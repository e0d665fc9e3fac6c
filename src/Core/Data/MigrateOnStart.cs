using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Startup;

namespace SchoolSafety.Core.Data;

/// <summary>
/// Migrates the schema before the host serves anything; loads the demo district only when
/// <c>SchoolSafety:LoadDemo</c> is true (the run command sets it, nothing else does). Done in the hosts' "starting"
/// stage, which every host finishes before any hosted service (Kestrel among them) starts; the core has those stages'
/// services start concurrently, so the Bot's Quartz schema is made while the migrations are checked (issue 11's start-up).
/// </summary>
internal sealed class MigrateOnStart(IServiceProvider services, IConfiguration config) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken ct)
    {
        await services.GetRequiredService<SchemaMigrator>().MigrateAsync(ct);
        StartupTimeline.Mark("migrated");
        if (config.GetValue<bool>("SchoolSafety:LoadDemo"))
            await services.GetRequiredService<DemoDistrict>().LoadAsync(ct);
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
