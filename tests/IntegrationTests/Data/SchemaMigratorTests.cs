using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using SchoolSafety.Core.Data;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Data;

[Collection(DatabaseCollection.Name)]
public sealed class SchemaMigratorTests(TestDatabase db)
{
    private async Task<MySqlDataSource> FreshDatabaseAsync(string suffix)
    {
        var name = new MySqlConnectionStringBuilder(db.ConnectionString).Database + "_" + suffix;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync($"DROP DATABASE IF EXISTS `{name}`");
            await conn.ExecuteAsync($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        }
        return new MySqlDataSource(new MySqlConnectionStringBuilder(db.ConnectionString) { Database = name }.ConnectionString);
    }

    private static SchemaMigrator Migrator(MySqlDataSource ds) => new(ds, NullLogger<SchemaMigrator>.Instance);

    private static async Task<List<string>> SchemaAsync(MySqlDataSource ds)
    {
        await using var conn = await ds.OpenConnectionAsync();
        var columns = await conn.QueryAsync<string>("""
            SELECT CONCAT_WS('|', table_name, column_name, ordinal_position, column_type, is_nullable, IFNULL(column_default, '∅'), extra)
              FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position
            """);
        var indexes = await conn.QueryAsync<string>("""
            SELECT CONCAT_WS('|', table_name, index_name, seq_in_index, column_name, non_unique)
              FROM information_schema.statistics WHERE table_schema = DATABASE() ORDER BY table_name, index_name, seq_in_index
            """);
        return columns.Concat(indexes).ToList();
    }

    [Fact]
    public async Task Migrate_FromEmpty_AppliesEveryScript_AndAgainAppliesNothing()
    {
        await using var ds = await FreshDatabaseAsync("empty");
        var migrator = Migrator(ds);
        Assert.False(await migrator.IsCurrentAsync());
        Assert.Equal(SchemaMigrator.Scripts.Count, await migrator.MigrateAsync());
        Assert.Equal(0, await migrator.MigrateAsync());
        Assert.True(await migrator.IsCurrentAsync());
        await using var conn = await ds.OpenConnectionAsync();
        Assert.Equal(22, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM worklist_items"));
        Assert.Equal(14, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM org_lines"));
    }

    [Fact]
    public async Task Migrate_StepByStep_EndsWithTheSameSchemaAsFromEmpty()
    {
        await using var whole = await FreshDatabaseAsync("whole");
        await Migrator(whole).MigrateAsync();
        await using var steps = await FreshDatabaseAsync("steps");
        foreach (var (version, _) in SchemaMigrator.Scripts)
            Assert.Equal(1, await Migrator(steps).MigrateAsync(upTo: version));
        Assert.Equal(await SchemaAsync(whole), await SchemaAsync(steps));
        Assert.Equal(await SchemaAsync(whole), await SchemaAsync(db.DataSource));
    }

    [Fact]
    public async Task Migrate_SeveralHostsAtOnce_ApplyEachScriptOnce()
    {
        await using var ds = await FreshDatabaseAsync("race");
        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Migrator(ds).MigrateAsync())));
        Assert.Equal(SchemaMigrator.Scripts.Count, counts.Sum());
        await using var conn = await ds.OpenConnectionAsync();
        Assert.Equal(SchemaMigrator.Scripts.Count, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_migrations"));
    }
}
