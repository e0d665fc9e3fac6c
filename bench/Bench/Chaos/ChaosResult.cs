using System.Globalization;
using System.Text;
using Dapper;
using MySqlConnector;

namespace SchoolSafety.Bench.Chaos;

/// <summary>
/// One kind's outcome. <see cref="Trials"/> are the operations a kill interrupted (in flight when the process died, then
/// retried as their client or DingTalk would); <see cref="Kills"/> the processes killed. <see cref="Losses"/> and
/// <see cref="Duplicates"/> are what the product must never do; <see cref="Measured"/> holds what DingTalk's API cannot
/// prevent (named with its rate) and other figures.
/// </summary>
public sealed record ChaosResult(int Kind, string Name, int Kills, int Trials, int Operations, int Losses, int Duplicates, string Measured)
{
    public bool Held => Losses == 0 && Duplicates == 0;

    public static string Table(IEnumerable<ChaosResult> results)
    {
        var s = new StringBuilder();
        s.AppendLine("| kind | what is killed | kills | trials | operations | losses | duplicates | measured |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
            s.AppendLine(CultureInfo.InvariantCulture, $"| {r.Kind} | {r.Name} | {r.Kills} | {r.Trials} | {r.Operations} | {r.Losses} | {r.Duplicates} | {r.Measured} |");
        return s.ToString();
    }
}

/// <summary>What every kind shares: a scratch folder, a fresh database of its own, the hosts' common settings.</summary>
public sealed class ChaosContext : IAsyncDisposable
{
    public const string SigningKey = "chaos-signing-key-0123456789abcdef0123456789";
    public const string CardSecret = "chaos-card-secret";
    public const string Token = "123456";
    public const string AesKey = "1234567890123456789012345678901234567890123";
    public const string AppKey = "dingchaosapp";

    public string Scratch { get; }
    public string ConnectionString { get; }
    public TextWriter Log { get; }

    private ChaosContext(string scratch, string cs, TextWriter log)
    {
        Scratch = scratch;
        ConnectionString = cs;
        Log = log;
    }

    /// <summary>A fresh, empty database <c>{base}_chaos</c> next to <paramref name="baseConnectionString"/>'s, and a scratch folder.</summary>
    public static async Task<ChaosContext> CreateAsync(string baseConnectionString, TextWriter log, string suffix = "chaos")
    {
        var b = new MySqlConnectionStringBuilder(baseConnectionString);
        b.Database += "_" + suffix;
        await RecreateAsync(b.ConnectionString);
        var scratch = Path.Combine(Path.GetTempPath(), $"schoolsafety-chaos-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        return new ChaosContext(scratch, b.ConnectionString, log);
    }

    public static Task RecreateAsync(string cs) => OnServerAsync(cs, name => $"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");

    public static Task DropAsync(string cs) => OnServerAsync(cs, name => $"DROP DATABASE IF EXISTS `{name}`");

    /// <summary>Runs SQL about <paramref name="cs"/>'s database on its server (connected without a database).</summary>
    private static async Task OnServerAsync(string cs, Func<string, string> sql)
    {
        var b = new MySqlConnectionStringBuilder(cs);
        var name = b.Database;
        b.Database = "";
        await using var conn = new MySqlConnection(b.ConnectionString);
        await conn.OpenAsync();
        await conn.ExecuteAsync(sql(name));
    }

    /// <summary>What every host of a trial gets: the Testing environment (offline shortcuts where no DingTalk is configured), this database.</summary>
    public Dictionary<string, string> HostEnv(string? dingTalkUrl = null)
    {
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["ConnectionStrings__SchoolSafety"] = ConnectionString,
            ["MiniApp__Session__SigningKey"] = SigningKey,
            ["Photos__Folder"] = Path.Combine(Scratch, "photos"),
            ["DingTalk__OfflineLogPath"] = Path.Combine(Scratch, "dingtalk-calls.jsonl"),
            ["DingTalk__CallbackToken"] = Token,
            ["DingTalk__CallbackAesKey"] = AesKey,
            ["DingTalk__CallbackOwnerKey"] = AppKey,
            ["DingTalk__CardCallbackSecret"] = CardSecret,
            ["SchoolSafety__LoadDemo"] = "false",
        };
        if (dingTalkUrl is not null)
        {
            env["DingTalk__AppKey"] = AppKey;
            env["DingTalk__AppSecret"] = "chaos-app-secret";
            env["DingTalk__AgentId"] = "1001";
            env["DingTalk__ApiBaseUrl"] = dingTalkUrl;
            env["DingTalk__LegacyBaseUrl"] = dingTalkUrl;
            env["DingTalk__CallsPerSecondPerApi"] = "1000";
        }
        return env;
    }

    /// <summary>A Bot of a trial: the scheduler on, a short check-in and lease, the outbox polled often, no digest or reminder unless a kind sets them.</summary>
    public Dictionary<string, string> BotEnv(string dingTalkUrl)
    {
        var env = HostEnv(dingTalkUrl);
        env["Bot__RunScheduler"] = "true";
        env["Bot__CheckinInterval"] = "00:00:01";
        env["Bot__CheckinMisfireThreshold"] = "00:00:02";
        env["Outbox__PollInterval"] = "00:00:00.300";
        env["Outbox__Lease"] = "00:00:03";
        env["Schedule__ReminderCron"] = "0 0 0 1 1 ? 2099";
        env["Schedule__DigestCronOverride"] = "0 0 0 1 1 ? 2099";
        return env;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = new MySqlConnection(ConnectionString);
        await conn.OpenAsync();
        return (await conn.ExecuteScalarAsync<T>(sql, args))!;
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = new MySqlConnection(ConnectionString);
        await conn.OpenAsync();
        return (await conn.QueryAsync<T>(sql, args)).AsList();
    }

    public async ValueTask DisposeAsync()
    {
        MySqlConnection.ClearAllPools();
        try { await DropAsync(ConnectionString); }
        catch (MySqlException e) { await Log.WriteLineAsync($"chaos: could not drop the trial database: {e.Message}"); }
        if (Directory.Exists(Scratch)) Directory.Delete(Scratch, recursive: true);
    }
}
