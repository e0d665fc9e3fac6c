using ImageMagick;

namespace SchoolSafety.Core.Photos;

/// <summary>
/// HEIC, the iPhone's default: decoded with Magick.NET (libheif + libde265 inside its native library; SkiaSharp
/// cannot read it on Linux), turned upright, and stored as a JPEG so every viewer can show it. Only the HEIC
/// reader is ever used on the bytes, and nothing of the original's metadata (EXIF with GPS, XMP, ICC) is kept.
/// </summary>
internal static class HeicPhoto
{
    /// <summary>The most pixels decoded (<see cref="PhotoProcessor.MaxPixels"/>): a few KB of HEIF can declare far more.</summary>
    public const long MaxPixels = PhotoProcessor.MaxPixels;

    static HeicPhoto()
    {
        ResourceLimits.Width = PhotoProcessor.MaxDecodedEdge;
        ResourceLimits.Height = PhotoProcessor.MaxDecodedEdge;
        ResourceLimits.Area = (ulong)MaxPixels * 4;    // bytes of pixel cache for one image (8 bits × 4 channels)
        ResourceLimits.Disk = 0;                        // never spill pixels to disk: too large is unreadable
    }

    private static MagickReadSettings Settings => new() { Format = MagickFormat.Heic };

    /// <summary>HEIC proper: the file type box names a HEVC brand (<c>heic</c>, <c>heix</c>), as major or compatible brand.</summary>
    public static bool IsHeic(ReadOnlySpan<byte> b)
    {
        if (b.Length < 16 || !b.Slice(4, 4).SequenceEqual("ftyp"u8)) return false;
        var boxSize = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
        if (boxSize < 16 || boxSize > Math.Min(b.Length, 256)) return false;
        for (var at = 8; at + 4 <= boxSize; at += 4)   // major brand, minor version, compatible brands
            if (at != 12 && (b.Slice(at, 4).SequenceEqual("heic"u8) || b.Slice(at, 4).SequenceEqual("heix"u8))) return true;
        return false;
    }

    /// <summary>
    /// A HEIC (as <see cref="IsHeic"/> says, which <see cref="PhotoProcessor.Sniff"/> checks) as a clean JPEG. Called in
    /// a turn at <see cref="PhotoDecoders"/> (each may take ~200 MB and a second of CPU).
    /// </summary>
    public static (ProcessedPhoto? Photo, PhotoProblem? Problem) ToJpeg(ReadOnlySpan<byte> bytes, string name)
    {
        try
        {
            using var image = new MagickImage();
            image.Ping(bytes, Settings);   // the header only
            if (PhotoProcessor.TooLarge(image.Width, image.Height))
                return (null, PhotoProcessor.TooManyPixels(name));
            image.Read(bytes, Settings);
            image.AutoOrient();
            image.Resize(new MagickGeometry(PhotoProcessor.MaxEdge, PhotoProcessor.MaxEdge) { Greater = true });
            image.Strip();
            image.Quality = 85;
            var jpeg = image.ToByteArray(MagickFormat.Jpeg);
            return (new ProcessedPhoto(jpeg, "image/jpeg", null, (int)image.Width, (int)image.Height), null);
        }
        catch (MagickException)
        {
            return (null, PhotoProcessor.Unreadable(name));
        }
    }
}
