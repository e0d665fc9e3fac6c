using System.Buffers.Binary;
using System.IO.Compression;
using SchoolSafety.Core.Photos;
using SkiaSharp;

namespace SchoolSafety.Core.Tests.Photos;

/// <summary>
/// A photo's memory is bounded before anything is decoded: every format's declared pixels are capped, a photo is decoded
/// at the size it is needed at, and decodes across all formats wait their turn without holding a thread.
/// </summary>
public sealed class PhotoMemoryTests
{
    /// <summary>A PNG whose header declares width × height, with a few bytes of (too short) pixel data: kilobytes that claim gigabytes.</summary>
    internal static byte[] PngDeclaring(int width, int height)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;   // 8-bit RGB
        Chunk(ms, "IHDR", ihdr);
        using (var z = new MemoryStream())
        {
            using (var deflate = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) deflate.Write(new byte[1 + width * 3]);
            Chunk(ms, "IDAT", z.ToArray());
        }
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(len, TestImages.Crc32([.. typeBytes, .. data]));
        s.Write(len);
    }

    [Theory]
    [InlineData(10_000, 10_000)]   // 100 MP: under the old 16384 edge limit, 400 MB decoded
    [InlineData(16_000, 4_000)]
    public void Png_DeclaringMoreThanTheBoundInPixels_IsRefusedUndecoded(int w, int h)
    {
        var (photo, problem) = PhotoProcessor.Process(PngDeclaring(w, h), "huge.png");
        Assert.Null(photo);
        Assert.Equal("photo.too_large", problem!.Code);
    }

    [Fact]
    public void PixelBound_IsTheSameForEveryFormat_And50Megapixels()
    {
        Assert.Equal(50_000_000, PhotoProcessor.MaxPixels);
        Assert.Equal(PhotoProcessor.MaxPixels, HeicPhoto.MaxPixels);
    }

    [Fact]
    public void Thumbnail_OfALargePng_IsMadeRowByRow_AndLooksRight()
    {
        // Half red, half blue, top to bottom: the thumbnail keeps the halves.
        using var bitmap = new SKBitmap(2000, 1500);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.DrawRect(0, 0, 2000, 750, new SKPaint { Color = SKColors.Red });
            canvas.DrawRect(0, 750, 2000, 750, new SKPaint { Color = SKColors.Blue });
        }
        using var img = SKImage.FromBitmap(bitmap);
        var png = img.Encode(SKEncodedImageFormat.Png, 100).ToArray();

        using var thumb = SKBitmap.Decode(PhotoProcessor.Thumbnail(png));
        Assert.Equal((320, 240), (thumb.Width, thumb.Height));
        Assert.True(thumb.GetPixel(160, 20).Red > 200 && thumb.GetPixel(160, 20).Blue < 60);
        Assert.True(thumb.GetPixel(160, 220).Blue > 200 && thumb.GetPixel(160, 220).Red < 60);
        Assert.Equal(PhotoProcessor.DecodeMode.Rows, PhotoProcessor.ThumbnailMode(png));
    }

    [Fact]
    public async Task Decodes_AcrossFormats_AreBounded_AndWaitWithoutBlockingThreads()
    {
        var turned = TestImages.JpegWithExif(1200, 800);   // orientation 6: decoded and turned
        var heic = TestImages.HeicWithGps();
        PhotoDecoders.ResetMostAtOnce();
        var tasks = Enumerable.Range(0, 12)
            .Select(i => PhotoProcessor.ProcessAsync((i % 2 == 0 ? turned : heic).ToArray(), $"p{i}", CancellationToken.None).AsTask())
            .ToList();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.Null(r.Problem));
        Assert.InRange(PhotoDecoders.MostAtOnce, 1, PhotoDecoders.Limit);
    }

    [Fact]
    public async Task Decode_WaitingForItsTurn_CanBeCancelled()
    {
        using var cts = new CancellationTokenSource();
        var held = new List<IDisposable>();
        for (var i = 0; i < PhotoDecoders.Limit; i++) held.Add(await PhotoDecoders.EnterAsync(CancellationToken.None));
        try
        {
            var waiting = PhotoProcessor.ProcessAsync(TestImages.JpegWithExif(100, 50).ToArray(), "w.jpg", cts.Token).AsTask();
            await Task.Delay(50);
            Assert.False(waiting.IsCompleted);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }
        finally
        {
            foreach (var h in held) h.Dispose();
        }
    }
}

public sealed class PngChunkTests
{
    [Theory]
    [InlineData("prVt")]   // private (lower-case second letter)
    [InlineData("caNv")]   // an ancillary chunk no decoder needs
    [InlineData("tEXt")]
    public void Png_PrivateAndUnknownChunks_AreRemoved(string chunk)
    {
        var upload = TestImages.PngWithChunk(40, 30, chunk);
        Assert.True(TestImages.Contains(upload, System.Text.Encoding.UTF8.GetBytes(TestImages.GpsMarker)));
        var (photo, problem) = PhotoProcessor.Process(upload, "p.png");
        Assert.Null(problem);
        Assert.False(TestImages.Contains(photo!.Image.ToArray(), System.Text.Encoding.UTF8.GetBytes(TestImages.GpsMarker)));
        Assert.NotNull(SKBitmap.Decode(photo.Image.ToArray()));
    }
}
