using SkiaSharp;

namespace SchoolSafety.Core.Photos;

public enum PhotoFormat
{
    Unknown,
    Jpeg,
    Png,
    Heic,
}

/// <summary>
/// A photo made safe to keep: no EXIF, location or other metadata survives. <see cref="Thumbnail"/> is
/// null when it is cheaper to make it later, on first view (<see cref="PhotoProcessor.Thumbnail"/>).
/// </summary>
public sealed record ProcessedPhoto(ReadOnlyMemory<byte> Image, string ContentType, byte[]? Thumbnail, int Width, int Height);

public sealed record PhotoProblem(string Code, string Message);

/// <summary>
/// Judges an upload by its bytes, not its name, and makes it safe to keep: the stored image carries no EXIF
/// (GPS location, camera, time). An upright photo only loses its metadata segments; one that EXIF says
/// to turn is decoded, turned upright and re-encoded.
/// </summary>
public static class PhotoProcessor
{
    public const int MaxBytes = 10 * 1024 * 1024;
    public const int ThumbnailEdge = 320;
    public const int MaxEdge = 4096;

    /// <summary>The largest width or height accepted for decoding at all (a photo is shrunk to <see cref="MaxEdge"/>).</summary>
    public const int MaxDecodedEdge = MaxEdge * 4;

    /// <summary>
    /// The most pixels any photo may declare, whatever its format: an iPhone's 48 MP photo is 8064 × 6048; a few KB of
    /// PNG or JPEG can declare 16384 × 16384 (1 GB decoded). Checked from the header, before anything is decoded.
    /// </summary>
    public const long MaxPixels = 50_000_000;

    public enum DecodeMode { Scaled, Rows }

    public static PhotoFormat Sniff(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return PhotoFormat.Jpeg;
        if (b.Length >= 8 && b[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return PhotoFormat.Png;
        if (HeicPhoto.IsHeic(b)) return PhotoFormat.Heic;
        return PhotoFormat.Unknown;
    }

    /// <summary>The problem with an upload before any decoding, or null.</summary>
    public static PhotoProblem? Check(ReadOnlySpan<byte> bytes, string name) =>
        bytes.Length == 0 ? new("photo.empty", $"照片「{name}」是空文件")
        : bytes.Length > MaxBytes ? new("photo.too_large", $"照片「{name}」超过 10 MB")
        : Sniff(bytes) switch
        {
            PhotoFormat.Jpeg or PhotoFormat.Png or PhotoFormat.Heic => null,
            _ => new("photo.not_image", $"文件「{name}」不是 JPG、PNG 或 HEIC 照片"),
        };

    /// <summary>
    /// Checks and cleans one upload. The upload's buffer is reused: an upright photo's metadata is cut out
    /// in place and the result is a slice of <paramref name="upload"/>, so keep the buffer until it is stored.
    /// A photo that must be decoded (turned, or HEIC) waits for its turn at <see cref="PhotoDecoders"/>.
    /// </summary>
    public static async ValueTask<(ProcessedPhoto? Photo, PhotoProblem? Problem)> ProcessAsync(Memory<byte> upload, string name, CancellationToken ct)
    {
        using var pending = Inspect(upload, name);
        if (pending.Done is { } done) return done;
        using var turn = await PhotoDecoders.EnterAsync(ct);
        return pending.Decode(upload, name);
    }

    /// <summary><see cref="ProcessAsync"/> outside the gate (tests).</summary>
    internal static (ProcessedPhoto? Photo, PhotoProblem? Problem) Process(Memory<byte> upload, string name)
    {
        using var pending = Inspect(upload, name);
        return pending.Done ?? pending.Decode(upload, name);
    }

    /// <summary>
    /// Everything that needs no pixel decoded: the checks, the declared size, and for an upright photo its metadata cut
    /// out. <see cref="Pending.Done"/> is the outcome when that was all; otherwise <see cref="Pending.Decode"/> finishes.
    /// </summary>
    private static Pending Inspect(Memory<byte> upload, string name)
    {
        var bytes = upload.Span;
        if (Check(bytes, name) is { } problem) return new(null, null, PhotoFormat.Unknown, (null, problem));
        var format = Sniff(bytes);
        if (format == PhotoFormat.Heic) return new(null, null, format, null);
        var data = SKData.CreateCopy(bytes);
        var codec = SKCodec.Create(data);
        if (codec is null) return new(data, null, format, (null, Unreadable(name)));
        if (TooLarge(codec.Info.Width, codec.Info.Height)) return new(data, codec, format, (null, TooManyPixels(name)));

        // The common case, an upright photo: its metadata is cut out of the file and its pixels are left
        // as they are (the thumbnail is made on first view). A photo that needs turning is re-encoded
        // upright, so no EXIF is kept at all.
        // (A failed strip may leave the buffer half moved; the decode reads the codec's own copy.)
        if (codec.EncodedOrigin == SKEncodedOrigin.TopLeft
            && (format == PhotoFormat.Png ? PhotoMetadata.StripPng(bytes) : PhotoMetadata.StripJpeg(bytes)) is { } length)
            return new(data, codec, format,
                (new ProcessedPhoto(upload[..length], format == PhotoFormat.Png ? "image/png" : "image/jpeg", null, codec.Info.Width, codec.Info.Height), null));
        return new(data, codec, format, null);
    }

    private sealed class Pending(SKData? data, SKCodec? codec, PhotoFormat format, (ProcessedPhoto?, PhotoProblem?)? done) : IDisposable
    {
        public (ProcessedPhoto? Photo, PhotoProblem? Problem)? Done => done;

        /// <summary>Decodes at the size needed (a JPEG at 1/2, 1/4 or 1/8 when it is larger than <see cref="MaxEdge"/>), turns and re-encodes.</summary>
        public (ProcessedPhoto? Photo, PhotoProblem? Problem) Decode(Memory<byte> upload, string name)
        {
            if (format == PhotoFormat.Heic) return HeicPhoto.ToJpeg(upload.Span, name);
            using var decoded = DecodeScaled(codec!, MaxEdge);
            if (decoded is null) return (null, Unreadable(name));
            using var oriented = codec!.EncodedOrigin == SKEncodedOrigin.TopLeft ? null : Orient(decoded, codec.EncodedOrigin);
            var upright = oriented ?? decoded;
            using var shrunk = Math.Max(upright.Width, upright.Height) > MaxEdge ? Fit(upright, MaxEdge) : null;
            var image = shrunk ?? upright;
            using var thumb = Fit(image, ThumbnailEdge);
            var (encoded, contentType) = format == PhotoFormat.Png
                ? (Encode(image, SKEncodedImageFormat.Png, 100), "image/png")
                : (Encode(image, SKEncodedImageFormat.Jpeg, 85), "image/jpeg");
            return (new ProcessedPhoto(encoded, contentType, Encode(thumb, SKEncodedImageFormat.Jpeg, 75), image.Width, image.Height), null);
        }

        public void Dispose()
        {
            codec?.Dispose();
            data?.Dispose();
        }
    }

    public static bool TooLarge(long width, long height) => width > MaxDecodedEdge || height > MaxDecodedEdge || width * height > MaxPixels;

    /// <summary>A thumbnail of a stored photo, made in its turn at <see cref="PhotoDecoders"/>.</summary>
    public static async ValueTask<byte[]?> ThumbnailAsync(byte[] image, CancellationToken ct)
    {
        using var turn = await PhotoDecoders.EnterAsync(ct);
        return Thumbnail(image);
    }

    /// <summary>
    /// A JPEG thumbnail (longest edge 320) of a stored photo: a JPEG decoded at a reduced scale, a PNG (which has none)
    /// row by row into the small picture, so neither is ever whole in memory; null when it cannot be read.
    /// </summary>
    internal static byte[]? Thumbnail(byte[] image)
    {
        using var data = SKData.CreateCopy(image);
        using var codec = SKCodec.Create(data);
        if (codec is null || TooLarge(codec.Info.Width, codec.Info.Height)) return null;
        using var preview = Mode(codec, ThumbnailEdge) == DecodeMode.Rows ? DecodeByRows(codec, ThumbnailEdge) : DecodeScaled(codec, ThumbnailEdge);
        if (preview is null) return null;
        using var thumb = Fit(preview, ThumbnailEdge);
        return Encode(thumb, SKEncodedImageFormat.Jpeg, 75);
    }

    /// <summary>How a thumbnail of this image is decoded (tests).</summary>
    internal static DecodeMode ThumbnailMode(byte[] image)
    {
        using var data = SKData.CreateCopy(image);
        using var codec = SKCodec.Create(data);
        return Mode(codec, ThumbnailEdge);
    }

    /// <summary>Rows when the codec cannot decode at a reduced scale that is near the target (PNG) and the image is larger than it.</summary>
    private static DecodeMode Mode(SKCodec codec, int edge)
    {
        var longest = Math.Max(codec.Info.Width, codec.Info.Height);
        if (longest <= edge * 2) return DecodeMode.Scaled;
        var scaled = codec.GetScaledDimensions((float)edge / longest);
        return Math.Max(scaled.Width, scaled.Height) > edge * 2 ? DecodeMode.Rows : DecodeMode.Scaled;
    }

    /// <summary>
    /// Reads the image a strip of rows at a time and shrinks each strip into its band of the result: memory is one strip
    /// (width × rows-per-output-row) and the result. Falls back to <see cref="DecodeScaled"/> when the codec cannot read rows.
    /// </summary>
    private static SKBitmap? DecodeByRows(SKCodec codec, int edge)
    {
        var (w, h) = (codec.Info.Width, codec.Info.Height);
        var scale = Math.Min(1.0, (double)edge / Math.Max(w, h));
        var (tw, th) = (Math.Max(1, (int)(w * scale)), Math.Max(1, (int)(h * scale)));
        var info = new SKImageInfo(w, h, SKImageInfo.PlatformColorType, SKAlphaType.Premul);
        if (codec.StartScanlineDecode(info) != SKCodecResult.Success) return DecodeScaled(codec, edge);
        var rowsPerStrip = (h + th - 1) / th;
        using var strip = new SKBitmap(new SKImageInfo(w, rowsPerStrip, info.ColorType, info.AlphaType));
        var result = new SKBitmap(new SKImageInfo(tw, th, info.ColorType, info.AlphaType));
        using var canvas = new SKCanvas(result);
        for (var y = 0; y < h; y += rowsPerStrip)
        {
            var n = Math.Min(rowsPerStrip, h - y);
            if (codec.GetScanlines(strip.GetPixels(), n, strip.RowBytes) < n) { result.Dispose(); return null; }
            var (top, bottom) = ((int)((long)y * th / h), (int)((long)(y + n) * th / h));
            if (bottom <= top) bottom = top + 1;
            using var band = new SKBitmap();
            if (!strip.ExtractSubset(band, new SKRectI(0, 0, w, n))) { result.Dispose(); return null; }
            using var shrunk = band.Resize(new SKImageInfo(tw, bottom - top, info.ColorType, info.AlphaType), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            if (shrunk is null) { result.Dispose(); return null; }
            using var bandImage = SKImage.FromBitmap(shrunk);
            canvas.DrawImage(bandImage, 0, top, new SKSamplingOptions(SKFilterMode.Nearest));
        }
        return result;
    }

    internal static PhotoProblem TooManyPixels(string name) => new("photo.too_large", $"照片「{name}」尺寸过大");

    internal static PhotoProblem Unreadable(string name) => new("photo.unreadable", $"照片「{name}」已损坏，无法读取");

    /// <summary>
    /// Decodes the whole image at the smallest scale the codec offers that still covers <paramref name="edge"/>
    /// (a JPEG decodes at 1/2, 1/4 or 1/8 for a fraction of the cost); null when the data is broken or cut short.
    /// </summary>
    private static SKBitmap? DecodeScaled(SKCodec codec, int edge)
    {
        var scale = Math.Min(1f, (float)edge / Math.Max(codec.Info.Width, codec.Info.Height));
        var size = codec.GetScaledDimensions(scale);
        var info = new SKImageInfo(size.Width, size.Height, SKImageInfo.PlatformColorType, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        if (codec.GetPixels(info, bitmap.GetPixels()) == SKCodecResult.Success) return bitmap;
        bitmap.Dispose();
        return null;
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var img = SKImage.FromBitmap(bitmap);
        using var data = img.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A copy scaled down to fit <paramref name="edge"/> (never up).</summary>
    private static SKBitmap Fit(SKBitmap source, int edge)
    {
        var scale = Math.Min(1.0, (double)edge / Math.Max(source.Width, source.Height));
        var info = new SKImageInfo(Math.Max(1, (int)(source.Width * scale)), Math.Max(1, (int)(source.Height * scale)));
        return source.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Nearest)) ?? source.Copy();
    }

    /// <summary>Applies the EXIF orientation to the pixels, since the EXIF itself is dropped.</summary>
    private static SKBitmap Orient(SKBitmap source, SKEncodedOrigin origin)
    {
        var (w, h) = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom
            ? (source.Height, source.Width) : (source.Width, source.Height);
        var result = new SKBitmap(w, h, source.ColorType, source.AlphaType);
        using var canvas = new SKCanvas(result);
        switch (origin)
        {
            case SKEncodedOrigin.TopRight: canvas.Scale(-1, 1, w / 2f, 0); break;
            case SKEncodedOrigin.BottomRight: canvas.RotateDegrees(180, w / 2f, h / 2f); break;
            case SKEncodedOrigin.BottomLeft: canvas.Scale(1, -1, 0, h / 2f); break;
            case SKEncodedOrigin.LeftTop: canvas.Translate(w, 0); canvas.RotateDegrees(90); canvas.Scale(1, -1, 0, source.Height / 2f); break;
            case SKEncodedOrigin.RightTop: canvas.Translate(w, 0); canvas.RotateDegrees(90); break;
            case SKEncodedOrigin.RightBottom: canvas.Translate(w, 0); canvas.RotateDegrees(90); canvas.Scale(-1, -1, source.Width / 2f, source.Height / 2f); break;
            case SKEncodedOrigin.LeftBottom: canvas.Translate(0, h); canvas.RotateDegrees(270); break;
        }
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear));
        return result;
    }
}
