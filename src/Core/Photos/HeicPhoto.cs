using ImageMagick;

namespace SchoolSafety.Core.Photos;

/// <summary>
/// HEIC, the iPhone's default: decoded with Magick.NET (libheif + libde265 inside its native library; SkiaSharp
/// cannot read it on Linux), turned upright, and stored as a JPEG so every viewer can show it. Only the HEIC
/// reader is ever used on the bytes, and nothing of the original's metadata (EXIF with GPS, XMP, ICC) is kept.
/// </summary>
internal static class HeicPhoto
{
    static HeicPhoto()
    {
        ResourceLimits.Width = PhotoProcessor.MaxDecodedEdge;
        ResourceLimits.Height = PhotoProcessor.MaxDecodedEdge;
    }

    private static MagickReadSettings Settings => new() { Format = MagickFormat.Heic };

    public static (ProcessedPhoto? Photo, PhotoProblem? Problem) ToJpeg(ReadOnlySpan<byte> bytes, string name)
    {
        try
        {
            using var image = new MagickImage();
            image.Ping(bytes, Settings);   // the header only
            if (image.Width > PhotoProcessor.MaxDecodedEdge || image.Height > PhotoProcessor.MaxDecodedEdge)
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
