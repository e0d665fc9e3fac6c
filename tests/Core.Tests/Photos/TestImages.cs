using System.Text;
using SkiaSharp;

namespace SchoolSafety.Core.Tests.Photos;

/// <summary>Images made here for tests, with EXIF written by hand (SkiaSharp writes none).</summary>
public static class TestImages
{
    public const string GpsMarker = "GPS 30.4183N 119.9964E 余杭";

    /// <summary>The text inside <see cref="HeicWithGps"/>'s EXIF block.</summary>
    public const string HeicGpsMarker = "GPS-MARKER-HANGZHOU";

    /// <summary>An 80×40 HEIC whose EXIF carries a GPS latitude and <see cref="HeicGpsMarker"/> (Photos/Fixtures/README.md).</summary>
    public static byte[] HeicWithGps() => Fixture("gps-exif.heic");

    /// <summary>A flat 8200×6200 HEIC (50.8 MP) in 12 KB: more pixels than may be decoded.</summary>
    public static byte[] HeicTooManyPixels() => Fixture("too-many-pixels.heic");

    private static byte[] Fixture(string name)
    {
        using var stream = typeof(TestImages).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The {name} fixture is not embedded in this test assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static byte[] Encode(int width, int height, SKEncodedImageFormat format, int quality = 90, int noise = 0)
    {
        using var bitmap = new SKBitmap(width, height);
        var rnd = new Random(42);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, noise == 0 ? new SKColor(200, 30, 30) : new SKColor((byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256)));
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(format, quality).ToArray();
    }

    /// <summary>A JPEG with an APP1 Exif segment: orientation (6 = rotate 90° clockwise to view) and a location-like text.</summary>
    public static byte[] JpegWithExif(int width, int height, ushort orientation = 6)
    {
        var jpeg = Encode(width, height, SKEncodedImageFormat.Jpeg);
        var tiff = new List<byte> { 0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08 };   // big-endian TIFF, IFD0 at 8
        tiff.AddRange([0x00, 0x01]);                                                 // one entry
        tiff.AddRange([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, (byte)(orientation >> 8), (byte)orientation, 0x00, 0x00]);
        tiff.AddRange([0x00, 0x00, 0x00, 0x00]);                                     // no next IFD
        tiff.AddRange(Encoding.UTF8.GetBytes(GpsMarker));
        var payload = Encoding.ASCII.GetBytes("Exif\0\0").Concat(tiff).ToArray();
        var length = payload.Length + 2;
        var app1 = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg[..2].Concat(app1).Concat(jpeg[2..]).ToArray();   // right after SOI
    }

    public static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>A PNG with a tEXt chunk (after IHDR) carrying the location-like text.</summary>
    public static byte[] PngWithText(int width, int height) => PngWithChunk(width, height, "tEXt");

    /// <summary>A PNG with a chunk of this type (e.g. a private <c>prVt</c>) holding <see cref="GpsMarker"/>.</summary>
    public static byte[] PngWithChunk(int width, int height, string chunkType)
    {
        var png = Encode(width, height, SKEncodedImageFormat.Png);
        var data = Encoding.Latin1.GetBytes("Comment\0").Concat(Encoding.UTF8.GetBytes(GpsMarker)).ToArray();
        var type = Encoding.ASCII.GetBytes(chunkType);
        var crc = Crc32(type.Concat(data).ToArray());
        var chunk = new byte[] { (byte)(data.Length >> 24), (byte)(data.Length >> 16), (byte)(data.Length >> 8), (byte)data.Length }
            .Concat(type).Concat(data).Concat(new[] { (byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc });
        const int afterIhdr = 8 + 25;
        return png[..afterIhdr].Concat(chunk).Concat(png[afterIhdr..]).ToArray();
    }

    internal static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
