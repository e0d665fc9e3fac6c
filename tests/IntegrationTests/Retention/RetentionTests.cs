using System.ComponentModel.DataAnnotations;
using Dapper;
using SchoolSafety.Core.Photos;
using SchoolSafety.Core.Retention;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Retention;

/// <summary>
/// Disk and retention: photos never attached go after a day; sent outbox rows, processed events, old idempotency keys and
/// logins after their time; the audit log is kept 3 years (never less than 6 months).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class RetentionTests : IAsyncLifetime
{
    private readonly CoreServices _core = new();

    public Task InitializeAsync() => _core.InitializeAsync();

    public Task DisposeAsync() => _core.DisposeAsync();

    private DateTime Now => _core.Clock.GetUtcNow().UtcDateTime;

    private async Task<string> SavePhotoAsync(DateTime uploadedAt, long userId, bool attached)
    {
        var (photo, _) = PhotoProcessor.Process(SchoolSafety.Core.Tests.Photos.TestImages.Encode(40, 30, SkiaSharp.SKEncodedImageFormat.Jpeg), "p.jpg");
        var key = await _core.Get<IPhotoStore>().SaveAsync(photo!, default);
        await using var conn = await _core.Db.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO photo_uploads (photo_key, uploader_user_id, uploaded_at, attached_kind, attached_id, attached_at)
            VALUES (@key, @userId, @uploadedAt, @kind, @id, @at)
            """, new { key, userId, uploadedAt, kind = attached ? "clue" : null, id = attached ? 1 : (long?)null, at = attached ? uploadedAt : (DateTime?)null });
        return key;
    }

    private async Task<bool> ExistsAsync(string key) => await _core.Get<IPhotoStore>().OpenAsync(key, PhotoVariant.Original, default) is { } o && Dispose(o.Content);

    private static bool Dispose(System.IO.Stream s) { s.Dispose(); return true; }

    [Fact]
    public async Task Purge_RemovesOrphanPhotosAfterADay_KeepsRecentAndAttachedOnes()
    {
        var user = await _core.UserAsync("demo-school01-officer");
        var orphan = await SavePhotoAsync(Now.AddHours(-25), user, attached: false);
        var recent = await SavePhotoAsync(Now.AddHours(-1), user, attached: false);
        var attached = await SavePhotoAsync(Now.AddDays(-30), user, attached: true);

        var report = await _core.Get<RetentionService>().PurgeAsync(default);

        Assert.True(report.Removed["photos"] >= 1);
        Assert.False(await ExistsAsync(orphan));
        Assert.True(await ExistsAsync(recent));
        Assert.True(await ExistsAsync(attached));
        Assert.Equal(0, await _core.ScalarAsync<long>("SELECT COUNT(*) FROM photo_uploads WHERE photo_key = @orphan", new { orphan }));
        foreach (var k in new[] { recent, attached }) await _core.Get<IPhotoStore>().DeleteAsync(k, default);
    }

    [Fact]
    public async Task Purge_SentRowsAndOldKeysGo_OpenRowsAndTheAuditOfTheLastThreeYearsStay()
    {
        await using (var conn = await _core.Db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                INSERT INTO outbox (topic, payload, created_at, next_attempt_at, attempts, sent_at) VALUES
                  ('retention.old', '{}', @old, @old, 1, @old), ('retention.new', '{}', @day, @day, 1, @day), ('retention.open', '{}', @old, @old, 0, NULL);
                INSERT INTO idempotency_keys (scope, idem_key, outcome, created_at) VALUES ('retention', 'old', '{}', @veryOld), ('retention', 'new', '{}', @day);
                INSERT INTO audit_log (occurred_at, actor_user_id, action, subject_type, subject_id) VALUES
                  (@fourYears, 1, 'ClueRead', 'retention', 'old'), (@twoYears, 1, 'ClueRead', 'retention', 'kept');
                """, new { old = Now.AddDays(-31), day = Now.AddDays(-1), veryOld = Now.AddDays(-91), fourYears = Now.AddYears(-4), twoYears = Now.AddYears(-2) });
        }

        await _core.Get<RetentionService>().PurgeAsync(default);

        Assert.Equal(["retention.new", "retention.open"], await _core.QueryAsync<string>("SELECT topic FROM outbox WHERE topic LIKE 'retention.%' ORDER BY topic"));
        Assert.Equal(["new"], await _core.QueryAsync<string>("SELECT idem_key FROM idempotency_keys WHERE scope = 'retention'"));
        Assert.Equal(["kept"], await _core.QueryAsync<string>("SELECT subject_id FROM audit_log WHERE subject_type = 'retention'"));
        await using (var conn = await _core.Db.DataSource.OpenConnectionAsync())
            await conn.ExecuteAsync("DELETE FROM outbox WHERE topic LIKE 'retention.%'; DELETE FROM idempotency_keys WHERE scope = 'retention'; DELETE FROM audit_log WHERE subject_type = 'retention'");
    }

    [Fact]
    public async Task AuditPurge_InWindowsOfIds_RemovesEveryOldRowAndKeepsNewOnesAmongThem()
    {
        // Old and new rows interleaved by id (a row's id is not always in time order), more than one window of 2 ids.
        await using var conn = await _core.Db.DataSource.OpenConnectionAsync();
        foreach (var (age, name) in new[] { (-4, "old1"), (-2, "new1"), (-4, "old2"), (-4, "old3"), (-1, "new2"), (-5, "old4"), (-4, "old5") })
            await conn.ExecuteAsync("INSERT INTO audit_log (occurred_at, actor_user_id, action, subject_type, subject_id) VALUES (@At, 1, 'ClueRead', 'retention', @Name)",
                new { At = Now.AddYears(age), Name = name });

        var removed = await _core.Get<RetentionStore>().PurgeAuditAsync(conn, Now.AddYears(-3), batch: 2, default);

        Assert.Equal(5, removed);
        Assert.Equal(["new1", "new2"], await _core.QueryAsync<string>("SELECT subject_id FROM audit_log WHERE subject_type = 'retention' ORDER BY id"));
        Assert.Equal(0, await _core.Get<RetentionStore>().PurgeAuditAsync(conn, Now.AddYears(-3), batch: 2, default));
        await conn.ExecuteAsync("DELETE FROM audit_log WHERE subject_type = 'retention'");
    }

    [Fact]
    public void AuditLog_KeptLessThanSixMonths_IsRefusedConfiguration()
    {
        Assert.Equal(3 * 365, new RetentionOptions().AuditLogDays);
        var results = new List<ValidationResult>();
        var tooShort = new RetentionOptions { AuditLogDays = 100 };
        Assert.False(Validator.TryValidateObject(tooShort, new ValidationContext(tooShort), results, true));
        Assert.Contains(results, r => r.ErrorMessage!.Contains("183"));
    }
}
