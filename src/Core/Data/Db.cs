using MySqlConnector;

namespace SchoolSafety.Core.Data;

/// <summary>Connection helpers shared by the stores and services.</summary>
public static class Db
{
    /// <summary>
    /// Runs <paramref name="work"/> again when MySQL reports a deadlock (1213) or a lock wait
    /// timeout (1205): InnoDB rolled the transaction back, so a fresh attempt is safe.
    /// </summary>
    public static async Task<T> RetryOnDeadlockAsync<T>(Func<Task<T>> work, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (MySqlException e) when (IsTransient(e) && attempt < attempts)
            {
                await Task.Delay(Random.Shared.Next(5, 25) * attempt);
            }
        }
    }

    public static bool IsTransient(MySqlException e) =>
        e.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout;

    public static bool IsDuplicateKey(MySqlException e) => e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry;

    /// <summary>
    /// The key of a second data source whose connections allow SQL user variables (<c>@name</c> that is not a
    /// parameter). Only the clue report's batch uses it; everywhere else an undefined <c>@Name</c> must stay an error.
    /// </summary>
    public const string UserVariables = "user-variables";

    /// <summary>Normalises a connection string: UTC datetimes, and no per-connection reset round trip surprises.</summary>
    public static string Normalise(string connectionString, bool allowUserVariables = false)
    {
        var b = new MySqlConnectionStringBuilder(connectionString)
        {
            DateTimeKind = MySqlDateTimeKind.Utc,
            GuidFormat = MySqlGuidFormat.None,
            AllowUserVariables = allowUserVariables,
        };
        if (b.MaximumPoolSize < 50) b.MaximumPoolSize = 100;
        return b.ConnectionString;
    }
}
