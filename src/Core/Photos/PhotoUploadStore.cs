using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Photos;

/// <summary>What a photo may be attached to: a clue (report or action), a guidance record, a finding's evidence.</summary>
public sealed record PhotoOwner(string Kind, long Id)
{
    public static PhotoOwner Clue(long id) => new("clue", id);
    public static PhotoOwner Guidance(long id) => new("guidance", id);
    public static PhotoOwner Finding(long id) => new("finding", id);
}

/// <summary>
/// All SQL of <c>photo_uploads</c>: a photo key is no bearer token. Until it is attached a photo belongs to the person who
/// uploaded it (nobody else can attach it); once attached it belongs to that clue, record or finding, and to nothing else.
/// </summary>
public sealed class PhotoUploadStore(MySqlDataSource db, TimeProvider clock)
{
    private const string RecordSql = "INSERT IGNORE INTO photo_uploads (photo_key, uploader_user_id, uploaded_at) VALUES (@Key, @UserId, @Now)";

    public async Task RecordAsync(IReadOnlyList<string> keys, long userId, CancellationToken ct)
    {
        if (keys.Count == 0) return;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(RecordSql, keys.Select(k => new { Key = k, UserId = userId, Now = now }).ToList(), cancellationToken: ct));
    }

    private const string CountSinceSql = "SELECT COUNT(*) FROM photo_uploads WHERE uploader_user_id = @UserId AND uploaded_at >= @Since";

    /// <summary>How many photos this person uploaded since <paramref name="since"/> (for the daily quota).</summary>
    public async Task<long> CountSinceAsync(long userId, DateTime since, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(CountSinceSql, new { UserId = userId, Since = since }, cancellationToken: ct));
    }

    /// <summary>True when <paramref name="adding"/> more photos stay within the person's quota for the last 24 hours.</summary>
    public async Task<bool> WithinQuotaAsync(long userId, int adding, int quota, CancellationToken ct) =>
        adding == 0 || await CountSinceAsync(userId, clock.GetUtcNow().UtcDateTime.AddDays(-1), ct) + adding <= quota;

    private const string AttachableSql = """
        SELECT COUNT(*) FROM photo_uploads
         WHERE photo_key IN @Keys AND uploader_user_id = @UserId
           AND (attached_kind IS NULL OR (attached_kind = @Kind AND attached_id = @Id))
        """;

    /// <summary>
    /// True when every key is this person's own upload, not attached yet or attached to <paramref name="owner"/> already (the
    /// same request again). A guidance record not created yet passes id 0: its photos must be unattached.
    /// </summary>
    public async Task<bool> MayAttachAsync(IReadOnlyList<string> keys, long userId, PhotoOwner owner, CancellationToken ct)
    {
        var distinct = keys.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0) return true;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(AttachableSql,
            new { Keys = distinct, UserId = userId, owner.Kind, owner.Id }, cancellationToken: ct)) == distinct.Count;
    }

    private const string AttachSql = """
        UPDATE photo_uploads SET attached_kind = @Kind, attached_id = @Id, attached_at = @Now
         WHERE photo_key IN @Keys AND uploader_user_id = @UserId AND attached_kind IS NULL
        """;

    /// <summary>Binds the person's unattached photos to <paramref name="owner"/> for good.</summary>
    public async Task AttachAsync(IReadOnlyList<string> keys, long userId, PhotoOwner owner, CancellationToken ct)
    {
        if (keys.Count == 0) return;
        await using var conn = await db.OpenConnectionAsync(ct);
        await AttachAsync(conn, null, keys, userId, owner, ct);
    }

    /// <summary>
    /// The same inside the caller's transaction: the photos belong to the clue exactly when its change commits, so no crash
    /// between the two can leave a committed clue whose photos the purge would take for abandoned uploads.
    /// </summary>
    public async Task AttachAsync(MySqlConnection conn, MySqlTransaction? tx, IReadOnlyList<string> keys, long userId, PhotoOwner owner, CancellationToken ct)
    {
        if (keys.Count == 0) return;
        await conn.ExecuteAsync(new CommandDefinition(AttachSql,
            new { Keys = keys.Distinct(StringComparer.Ordinal).ToList(), UserId = userId, owner.Kind, owner.Id, Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// The attach of a new clue's photos for the batch that inserts it, whose id only the server knows yet (the SQL expression
    /// <paramref name="idExpression"/>); adds its parameters to <paramref name="args"/>. Empty when there are no photos.
    /// </summary>
    public string AttachSqlForNewClue(IReadOnlyList<string> keys, long userId, DynamicParameters args, string idExpression)
    {
        var distinct = keys.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0) return "";
        var names = new List<string>(distinct.Count);
        for (var i = 0; i < distinct.Count; i++)
        {
            args.Add($"PhotoKey{i}", distinct[i]);
            names.Add($"@PhotoKey{i}");
        }
        args.Add("PhotoUploader", userId);
        args.Add("PhotoNow", clock.GetUtcNow().UtcDateTime);
        return $"""
            UPDATE photo_uploads SET attached_kind = '{PhotoOwner.Clue(0).Kind}', attached_id = {idExpression}, attached_at = @PhotoNow
             WHERE photo_key IN ({string.Join(", ", names)}) AND uploader_user_id = @PhotoUploader AND attached_kind IS NULL
            """;
    }
}
