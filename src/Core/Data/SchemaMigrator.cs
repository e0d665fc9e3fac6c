using System.Reflection;
using Dapper;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace SchoolSafety.Core.Data;

/// <summary>
/// Applies the embedded <c>Data/Migrations/V####__name.sql</c> scripts in name order, each once,
/// under a server-wide named lock so that hosts starting together never race.
/// </summary>
public sealed partial class SchemaMigrator(MySqlDataSource db, ILogger<SchemaMigrator> logger)
{
    private const string LockName = "schoolsafety.migrate";

    private const string AcquireLockSql = "SELECT GET_LOCK(@Name, @TimeoutSeconds)";
    private const string ReleaseLockSql = "SELECT RELEASE_LOCK(@Name)";

    private const string CreateJournalSql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     VARCHAR(200) NOT NULL PRIMARY KEY,
            applied_at  DATETIME(6)  NOT NULL
        ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci
        """;

    private const string AppliedSql = "SELECT version FROM schema_migrations";

    private const string JournalSql = "INSERT INTO schema_migrations (version, applied_at) VALUES (@Version, UTC_TIMESTAMP(6))";

    public static IReadOnlyList<(string Version, string Sql)> Scripts { get; } = LoadScripts();

    /// <summary>Applies every missing script (or those up to and including <paramref name="upTo"/>); returns how many.</summary>
    public async Task<int> MigrateAsync(CancellationToken ct = default, string? upTo = null)
    {
        // A host starting on a database that is already current (every start but a release's first) reads the journal
        // once and goes on; only a missing script takes the lock (and reads the journal again under it).
        if (upTo is null && await IsCurrentAsync(ct)) return 0;
        await using var conn = await db.OpenConnectionAsync(ct);
        var locked = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
            AcquireLockSql, new { Name = LockName, TimeoutSeconds = 120 }, cancellationToken: ct));
        if (locked != 1)
            throw new InvalidOperationException("Could not take the migration lock within 120 s.");
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(CreateJournalSql, cancellationToken: ct));
            var applied = (await conn.QueryAsync<string>(new CommandDefinition(AppliedSql, cancellationToken: ct))).ToHashSet();
            var count = 0;
            foreach (var (version, sql) in Scripts)
            {
                if (upTo is not null && string.CompareOrdinal(version, upTo) > 0) break;
                if (applied.Contains(version)) continue;
                Log.Applying(logger, version);
                // An hour: a backfill over a city's years of clues (V0563, issue 11) takes minutes on a loaded machine.
                await conn.ExecuteAsync(new CommandDefinition(sql, commandTimeout: 3600, cancellationToken: ct));
                await conn.ExecuteAsync(new CommandDefinition(JournalSql, new { Version = version }, cancellationToken: ct));
                count++;
            }
            if (count > 0) Log.Applied(logger, count);
            return count;
        }
        finally
        {
            await conn.ExecuteScalarAsync<long?>(new CommandDefinition(ReleaseLockSql, new { Name = LockName }, cancellationToken: CancellationToken.None));
        }
    }

    /// <summary>True when every embedded script is in the journal.</summary>
    public async Task<bool> IsCurrentAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        try
        {
            var applied = (await conn.QueryAsync<string>(new CommandDefinition(AppliedSql, cancellationToken: ct))).ToHashSet();
            return Scripts.All(s => applied.Contains(s.Version));
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.NoSuchTable)
        {
            return false;
        }
    }

    private static List<(string, string)> LoadScripts()
    {
        var asm = typeof(SchemaMigrator).Assembly;
        const string prefix = "SchoolSafety.Core.Data.Migrations.";
        return asm.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Version: n[prefix.Length..^4], Sql: Read(asm, n)))
            .OrderBy(s => s.Version, StringComparer.Ordinal)
            .ToList();
    }

    private static string Read(Assembly asm, string name)
    {
        using var s = asm.GetManifestResourceStream(name)!;
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Applying migration {Version}")]
        public static partial void Applying(ILogger logger, string version);

        [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s)")]
        public static partial void Applied(ILogger logger, int count);
    }
}
