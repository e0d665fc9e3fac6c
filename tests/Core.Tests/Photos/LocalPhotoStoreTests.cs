using Microsoft.Extensions.Options;
using SchoolSafety.Core.Photos;
using SkiaSharp;

namespace SchoolSafety.Core.Tests.Photos;

public sealed class LocalPhotoStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"schoolsafety-store-{Guid.NewGuid():N}");
    private readonly LocalPhotoStore _store;

    public LocalPhotoStoreTests() => _store = new LocalPhotoStore(Options.Create(new PhotoOptions { Folder = _folder }));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static ProcessedPhoto Photo() =>
        PhotoProcessor.Process(TestImages.Encode(64, 48, SKEncodedImageFormat.Jpeg), "a.jpg").Photo!;

    [Fact]
    public async Task Save_PutsThePhotoInTheSubfolderOfItsKeysFirstTwoDigits_AndOpensIt()
    {
        var photo = Photo();

        var key = await _store.SaveAsync(photo, CancellationToken.None);

        Assert.True(LocalPhotoStore.IsKey(key));
        var file = Path.Combine(_folder, key[..2], key + ".jpg");
        Assert.Equal(photo.Image.ToArray(), await File.ReadAllBytesAsync(file));
        var opened = await _store.OpenAsync(key, PhotoVariant.Original, CancellationToken.None);
        await using (opened!.Value.Content)
            Assert.Equal("image/jpeg", opened.Value.ContentType);
    }

    [Fact]
    public async Task Thumbnail_IsMadeOnFirstView_BesideTheOriginal()
    {
        var key = await _store.SaveAsync(Photo(), CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(_folder, key[..2], key + ".thumb.jpg")));

        var thumb = await _store.OpenAsync(key, PhotoVariant.Thumbnail, CancellationToken.None);

        await using (thumb!.Value.Content) { }
        Assert.True(File.Exists(Path.Combine(_folder, key[..2], key + ".thumb.jpg")));
    }

    [Fact]
    public async Task PhotoStoredFlat_BeforeSubfolders_IsStillFound_ThumbnailedAndDeleted()
    {
        const string key = "0123456789abcdef0123456789abcdef";
        Directory.CreateDirectory(_folder);
        await File.WriteAllBytesAsync(Path.Combine(_folder, key + ".jpg"), Photo().Image.ToArray());

        var original = await _store.OpenAsync(key, PhotoVariant.Original, CancellationToken.None);
        await using (original!.Value.Content) { }
        var thumb = await _store.OpenAsync(key, PhotoVariant.Thumbnail, CancellationToken.None);
        await using (thumb!.Value.Content) { }
        Assert.True(File.Exists(Path.Combine(_folder, key + ".thumb.jpg")));
        await _store.DeleteAsync(key, CancellationToken.None);

        Assert.Empty(Directory.GetFiles(_folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Delete_RemovesEveryVariant_AndUnknownOrForgedKeysFindNothing()
    {
        var key = await _store.SaveAsync(Photo(), CancellationToken.None);
        await using ((await _store.OpenAsync(key, PhotoVariant.Thumbnail, CancellationToken.None))!.Value.Content) { }

        await _store.DeleteAsync(key, CancellationToken.None);

        Assert.Empty(Directory.GetFiles(_folder, "*", SearchOption.AllDirectories));
        Assert.Null(await _store.OpenAsync(key, PhotoVariant.Original, CancellationToken.None));
        Assert.Null(await _store.OpenAsync("../../etc/passwd", PhotoVariant.Original, CancellationToken.None));
    }
}
