using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace SchoolSafety.Core.Photos;

public enum PhotoVariant
{
    Original,
    Thumbnail,
}

/// <summary>Where photos live. Local disk by default; object storage implements the same.</summary>
public interface IPhotoStore
{
    /// <summary>Stores a processed photo; returns its key (32 hex characters).</summary>
    Task<string> SaveAsync(ProcessedPhoto photo, CancellationToken ct);

    /// <summary>
    /// Stores a processed photo under a key made beforehand (<see cref="LocalPhotoStore.NewKey"/>), so that the upload can be
    /// recorded before any byte is written: a crash mid-write then leaves a recorded upload the purge removes, never a file
    /// nothing names.
    /// </summary>
    Task SaveAsync(string key, ProcessedPhoto photo, CancellationToken ct);

    /// <summary>The stored bytes and content type, or null when there is no such photo.</summary>
    Task<(Stream Content, string ContentType)?> OpenAsync(string key, PhotoVariant variant, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);
}

public sealed class PhotoOptions
{
    public const string Section = "Photos";

    /// <summary>The folder of the local photo store.</summary>
    [Required] public string Folder { get; set; } = ".local/photos";

    /// <summary>Photos one person may upload in 24 hours (reports and evidence together); the disk is not theirs to fill.</summary>
    [Range(1, 100_000)] public int DailyUploadsPerUser { get; set; } = 200;
}

/// <summary>
/// Photos as files: <c>{k0k1}/{key}.jpg|png</c> and <c>{k0k1}/{key}.thumb.jpg</c> under the configured folder, in
/// 256 subfolders by the key's first two hex digits, so that no folder grows to millions of names and concurrent
/// uploads do not all queue on one folder's lock.
/// </summary>
public sealed class LocalPhotoStore(IOptions<PhotoOptions> options) : IPhotoStore
{
    private readonly string _root = Path.GetFullPath(options.Value.Folder);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> _shards = new(StringComparer.Ordinal);

    public static bool IsKey(string key) => key.Length == 32 && key.All(Uri.IsHexDigit);

    /// <summary>A new random photo key (32 lower-case hex characters).</summary>
    public static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private string PathOf(string key, string suffix) => Path.Combine(_root, key[..2], key + suffix);

    /// <summary>Where a stored file is: its subfolder, or the flat root where the store kept every photo before subfolders.</summary>
    private string? Find(string key, string suffix) =>
        new[] { PathOf(key, suffix), Path.Combine(_root, key + suffix) }.FirstOrDefault(File.Exists);

    public async Task<string> SaveAsync(ProcessedPhoto photo, CancellationToken ct)
    {
        var key = NewKey();
        await SaveAsync(key, photo, ct);
        return key;
    }

    public async Task SaveAsync(string key, ProcessedPhoto photo, CancellationToken ct)
    {
        if (!IsKey(key)) throw new ArgumentException("not a photo key", nameof(key));
        EnsureShard(key[..2]);
        var ext = photo.ContentType == "image/png" ? ".png" : ".jpg";
        if (photo.Thumbnail is not null)
            await File.WriteAllBytesAsync(PathOf(key, ".thumb.jpg"), photo.Thumbnail, ct);
        Write(PathOf(key, ext), photo.Image.Span);
    }

    /// <summary>
    /// Creates a subfolder if needed and makes its name durable in the root, once per process and subfolder;
    /// concurrent first writers wait for that, so none commits a clue whose folder could vanish in a power cut.
    /// </summary>
    private void EnsureShard(string shard) =>
        _ = _shards.GetOrAdd(shard, s => new Lazy<string>(() =>
        {
            var folder = Directory.CreateDirectory(Path.Combine(_root, s)).FullName;
            FolderSync.Flush(_root);
            return folder;
        })).Value;

    /// <summary>
    /// Writes the photo and makes it durable before the caller commits the clue that names it: the file's
    /// data (fsync) and its name in the folder (fsync of the folder), so a power cut cannot leave a clue
    /// whose photo is gone. Blocking calls on purpose: on Linux .NET's "async" file write is this same call
    /// on another pool thread, plus the hop (about 0.2 ms of CPU per 200 KB photo, measured); the two
    /// fsyncs cost about 0.5 ms of waiting and 0.15 ms of CPU here.
    /// </summary>
    private static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }
        FolderSync.Flush(Path.GetDirectoryName(path)!);
    }

    /// <summary>Makes a missing thumbnail from the stored original (written to a temporary name, then moved into place).</summary>
    private async Task<string?> MakeThumbnailAsync(string key, CancellationToken ct)
    {
        var original = Find(key, ".jpg") ?? Find(key, ".png");
        if (original is null || await PhotoProcessor.ThumbnailAsync(await File.ReadAllBytesAsync(original, ct), ct) is not { } thumb) return null;
        var path = Path.Combine(Path.GetDirectoryName(original)!, key + ".thumb.jpg");
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temp, thumb, ct);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    public async Task<(Stream Content, string ContentType)?> OpenAsync(string key, PhotoVariant variant, CancellationToken ct)
    {
        if (!IsKey(key)) return null;
        if (variant == PhotoVariant.Thumbnail)
            return (Find(key, ".thumb.jpg") ?? await MakeThumbnailAsync(key, ct)) is { } thumb ? (File.OpenRead(thumb), "image/jpeg") : null;
        foreach (var (ext, type) in new[] { (".jpg", "image/jpeg"), (".png", "image/png") })
            if (Find(key, ext) is { } path) return (File.OpenRead(path), type);
        return null;
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        if (!IsKey(key)) return Task.CompletedTask;
        foreach (var suffix in new[] { ".jpg", ".png", ".thumb.jpg" })
            while (Find(key, suffix) is { } path)
                File.Delete(path);
        return Task.CompletedTask;
    }
}
