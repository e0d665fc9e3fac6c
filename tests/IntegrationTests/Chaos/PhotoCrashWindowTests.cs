using Dapper;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Photos;
using SchoolSafety.IntegrationTests.Infrastructure;
using SchoolSafety.MiniApp.Api.Apis;

namespace SchoolSafety.IntegrationTests.Chaos;

/// <summary>
/// Issue 15, kind 1 (found by the crash trials, 210 kills of the mini-app host under reports with photos): 52 photos of
/// committed clues were still unattached (the attach ran after the clue's commit, so a kill in between left them to the
/// purge, which removed them a day later), and 22 photo files belonged to nothing (written before their upload was
/// recorded, so the purge never knew them). The photos are now the clue's in its own transaction, and an upload is recorded
/// before its bytes are written.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PhotoCrashWindowTests : IAsyncLifetime
{
    private readonly CoreServices _core = new();

    public Task InitializeAsync() => _core.InitializeAsync();

    public Task DisposeAsync() => _core.DisposeAsync();

    private async Task<(string? Kind, long? Id)> OwnerAsync(string key)
    {
        await using var conn = await _core.Db.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<(string?, long?)>("SELECT attached_kind, attached_id FROM photo_uploads WHERE photo_key = @key", new { key });
    }

    private async Task<string> UploadedAsync(long userId)
    {
        var key = LocalPhotoStore.NewKey();
        await _core.Get<PhotoUploadStore>().RecordAsync([key], userId, default);
        return key;
    }

    [Fact]
    public async Task AReportsPhotos_AreTheClues_WhenItsTransactionCommits_NotAfter()
    {
        var reporter = await _core.UserAsync("demo-school01-officer");
        var key = await UploadedAsync(reporter);
        var o = await _core.Get<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = reporter, ItemNo = 4, Description = "校门口有无证摊贩", IdempotencyKey = Guid.NewGuid().ToString(), Attachments = [key],
        });
        Assert.True(o.Succeeded, o.Message);
        // Nothing else runs after the commit here, as when the host dies right after it.
        Assert.Equal(("clue", (long?)o.ClueId), await OwnerAsync(key));
    }

    [Fact]
    public async Task AnActionsPhotos_AreTheClues_WhenItsTransactionCommits_NotAfter()
    {
        var reporter = await _core.UserAsync("demo-school01-officer");
        var clues = _core.Get<ClueService>();
        var c = await clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = reporter, ItemNo = 4, Description = "校门口有无证摊贩", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        var handler = await _core.ScalarAsync<long>("SELECT assignee_user_id FROM clues WHERE id = @id", new { id = c.ClueId });
        var key = await UploadedAsync(handler);
        var accepted = await clues.ApplyAsync(new ClueCommand
        {
            ClueId = c.ClueId, Action = ClueAction.Accept, Version = 1, IdempotencyKey = Guid.NewGuid().ToString(), Actor = ActorRef.User(handler),
            Attachments = [key],
        });
        Assert.True(accepted.Succeeded, accepted.Message);
        Assert.Equal(("clue", (long?)c.ClueId), await OwnerAsync(key));
    }

    /// <summary>A store whose second write dies half-way (the host killed mid-upload).</summary>
    private sealed class DyingStore(IPhotoStore inner) : IPhotoStore
    {
        private int _writes;
        public Task<string> SaveAsync(ProcessedPhoto photo, CancellationToken ct) => inner.SaveAsync(photo, ct);
        public Task SaveAsync(string key, ProcessedPhoto photo, CancellationToken ct) =>
            Interlocked.Increment(ref _writes) == 2 ? throw new IOException("killed") : inner.SaveAsync(key, photo, ct);
        public Task<(System.IO.Stream Content, string ContentType)?> OpenAsync(string key, PhotoVariant variant, CancellationToken ct) => inner.OpenAsync(key, variant, ct);
        public Task DeleteAsync(string key, CancellationToken ct) => inner.DeleteAsync(key, ct);
    }

    [Fact]
    public async Task AnUploadDyingMidWrite_LeavesOnlyRecordedUploads_ThatThePurgeKnows()
    {
        var reporter = await _core.UserAsync("demo-school01-officer");
        var (photo, _) = PhotoProcessor.Process(SchoolSafety.Core.Tests.Photos.TestImages.Encode(40, 30, SkiaSharp.SKEncodedImageFormat.Jpeg), "p.jpg");
        var before = await _core.ScalarAsync<long>("SELECT COUNT(*) FROM photo_uploads WHERE uploader_user_id = @reporter AND attached_kind IS NULL", new { reporter });
        var store = new DyingStore(_core.Get<IPhotoStore>());
        await Assert.ThrowsAsync<IOException>(() => PhotosApi.SaveAllAsync(store, _core.Get<PhotoUploadStore>(), reporter, [photo!, photo!, photo!], default));
        // Every photo that was (or was being) written is a recorded, unattached upload: the purge removes it after a day.
        var recorded = await _core.ScalarAsync<long>(
            "SELECT COUNT(*) FROM photo_uploads WHERE uploader_user_id = @reporter AND attached_kind IS NULL", new { reporter }) - before;
        Assert.Equal(3, recorded);
    }
}
