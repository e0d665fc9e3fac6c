using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SchoolSafety.Core;
using SchoolSafety.Core.Demo;

namespace SchoolSafety.IntegrationTests.Infrastructure;

/// <summary>
/// Core's real services, as AddSchoolSafetyCore registers them, on the test database and a test
/// clock, with the demo district loaded. One per test class.
/// </summary>
public sealed class CoreServices : IAsyncLifetime
{
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public CoreServices() : this(new Dictionary<string, string?>()) { }

    /// <summary>With further configuration (e.g. DingTalk pointed at WireMock); internal, so xunit sees one public constructor.</summary>
    internal CoreServices(IReadOnlyDictionary<string, string?> settings) => _settings = settings;

    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8)));
    public IServiceProvider Services { get; private set; } = null!;
    public TestDatabase Db { get; } = new();

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(_settings) { ["ConnectionStrings:SchoolSafety"] = Db.ConnectionString });
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.AddSchoolSafetyCore();
        Services = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (Services is IAsyncDisposable d) await d.DisposeAsync();
        await Db.DisposeAsync();
    }

    public async Task<long> UserAsync(string dingTalkUserId)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = @d", new { d = dingTalkUserId });
    }

    /// <summary>The demo work-group member of a line at demo school N (1-based).</summary>
    public async Task<long> MemberAsync(int school, string line)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<long>("""
            SELECT m.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
             WHERE g.open_conversation_id = @cid AND m.line_code = @line
            """, new { cid = $"demo-cid-school{school:D2}", line });
    }

    /// <summary>The head of the town unit of a line in demo school N's town.</summary>
    public async Task<long> TownHeadAsync(int school, string line)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<long>("""
            SELECT mh.user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
              JOIN memberships mh ON mh.unit_id = m.unit_id AND mh.role = 'UnitHead'
             WHERE g.open_conversation_id = @cid AND m.line_code = @line
            """, new { cid = $"demo-cid-school{school:D2}", line });
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("no value");
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql, args)).AsList();
    }
}
