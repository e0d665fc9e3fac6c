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

    /// <summary>Tables holding data that tests create; reference data from migrations stays.</summary>
    private static readonly string[] AppTables =
    [
        "audit_log", "outbox", "idempotency_keys", "clue_events", "clues", "clue_number_counters", "inbox_events", "card_copies", "callback_replays", "login_sessions", "photo_uploads",
        "worklist_progress", "guidance_findings", "guidance_records",
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
