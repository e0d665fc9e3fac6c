using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using SchoolSafety.Core.Data;

namespace SchoolSafety.IntegrationTests.Infrastructure;

/// <summary>
/// The real MariaDB named by <c>SCHOOLSAFETY_TEST_DB</c> (scripts/db.sh prints it). Migrates once
/// per test run, so every run also tests the migrations. A missing database is a failure, never a skip.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public const string EnvVar = "SCHOOLSAFETY_TEST_DB";

    public string ConnectionString { get; } = Db.Normalise(
        Environment.GetEnvironmentVariable(EnvVar)
        ?? throw new InvalidOperationException(
            $"{EnvVar} is not set: run `eval \"$(bash scripts/db.sh)\"` first (the test command does this)."));

    public MySqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        DataSource = new MySqlDataSource(ConnectionString);
        await new SchemaMigrator(DataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync() => await DataSource.DisposeAsync();

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("no value");
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql, args)).AsList();
    }

    /// <summary>
    /// A database of its own for Quartz's QRTZ_ tables, created on first use: Bot hosts in tests keep their schedule
    /// there, so that the app's test database holds only what the migrations made.
    /// </summary>
    public async Task<string> QuartzConnectionStringAsync()
    {
        var b = new MySqlConnectionStringBuilder(ConnectionString);
        var name = b.Database + "_quartz";
        await using (var conn = await DataSource.OpenConnectionAsync())
            await conn.ExecuteAsync($"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        b.Database = name;
        return b.ConnectionString;
    }

    /// <summary>Tables holding data that tests create; reference data from migrations stays.</summary>
    private static readonly string[] AppTables =
    [
        "audit_log", "outbox", "reminder_sends", "digest_sends", "dingtalk_usage", "dingtalk_calls", "app_settings", "guidance_windows", "idempotency_keys", "clue_events", "clue_units", "clues", "clue_number_counters", "inbox_events", "card_copies", "callback_replays", "login_sessions", "photo_uploads",
        "worklist_progress", "guidance_findings", "guidance_records",
        "grid_dispatches", "grid_pushes", "grid_push_signatures",
        "exchange_api_keys", "exchange_reads", "exchange_webhooks", "exchange_webhook_attempts",
        "clue_daily", "clue_daily_closings",
        "todos",
        "work_group_members", "work_groups", "memberships", "users", "schools", "units", "regions",
    ];

    /// <summary>Empties the tables that tests write, keeping the schema and the shipped reference data.</summary>
    public async Task ResetAsync()
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("SET FOREIGN_KEY_CHECKS = 0");
        foreach (var t in AppTables)
            await conn.ExecuteAsync($"DELETE FROM {t}");
        await conn.ExecuteAsync("UPDATE worklist_items SET escalation_unit_id = NULL");
        await conn.ExecuteAsync("SET FOREIGN_KEY_CHECKS = 1");
    }
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<TestDatabase>
{
    public const string Name = "database";
}
