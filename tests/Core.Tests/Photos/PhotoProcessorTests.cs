using System.Text;
using SchoolSafety.Core.Photos;
using SkiaSharp;

namespace SchoolSafety.Core.Tests.Photos;

public sealed class PhotoProcessorTests
{
    [Fact]
    public void Process_JpegWithExif_StoresNoExifNoLocation_AndTurnsItUpright()
    {
        var upload = TestImages.JpegWithExif(120, 60);
        Assert.True(TestImages.Contains(upload, Encoding.UTF8.GetBytes(TestImages.GpsMarker)));

        var (photo, problem) = PhotoProcessor.Process(upload, "a.jpg");

        Assert.Null(problem);
        Assert.NotNull(photo);
        Assert.False(TestImages.Contains(photo.Image.ToArray(), Encoding.UTF8.GetBytes(TestImages.GpsMarker)));
        Assert.False(TestImages.Contains(photo.Image.ToArray(), "Exif\0\0"u8.ToArray()));
        Assert.False(TestImages.Contains(photo.Thumbnail!, "Exif\0\0"u8.ToArray()));
        Assert.Equal("image/jpeg", photo.ContentType);
        Assert.Equal((60, 120), (photo.Width, photo.Height));   // orientation 6: stored upright, portrait
        Assert.Equal(PhotoFormat.Jpeg, PhotoProcessor.Sniff(photo.Image.ToArray()));
    }

    [Fact]
    public void Thumbnail_LargePhoto_Is320OnItsLongestEdge_MadeFromTheStoredImage()
    {
        var (photo, _) = PhotoProcessor.Process(TestImages.Encode(1600, 1200, SKEncodedImageFormat.Jpeg), "big.jpg");
        Assert.Null(photo!.Thumbnail);   // an upright photo's thumbnail is made on first view
        using var thumb = SKBitmap.Decode(PhotoProcessor.Thumbnail(photo.Image.ToArray()));
        Assert.Equal((320, 240), (thumb.Width, thumb.Height));
    }

    [Fact]
    public void Process_Png_StaysPng()
    {
        var (photo, problem) = PhotoProcessor.Process(TestImages.Encode(40, 30, SKEncodedImageFormat.Png), "p.png");
        Assert.Null(problem);
        Assert.Equal("image/png", photo!.ContentType);
        Assert.Equal(PhotoFormat.Png, PhotoProcessor.Sniff(photo.Image.ToArray()));
    }

    [Fact]
    public void Process_TextNamedJpg_IsNotAnImage()
    {
        var (photo, problem) = PhotoProcessor.Process(Encoding.UTF8.GetBytes("<script>alert(1)</script> not a photo"), "evil.jpg");
        Assert.Null(photo);
        Assert.Equal("photo.not_image", problem!.Code);
        Assert.Contains("evil.jpg", problem.Message);
    }

    [Fact]
    public void Check_Over10MB_IsTooLarge_Empty_IsEmpty()
    {
        var big = new byte[PhotoProcessor.MaxBytes + 1];
        big[0] = 0xFF; big[1] = 0xD8; big[2] = 0xFF;
        Assert.Equal("photo.too_large", PhotoProcessor.Check(big, "x.jpg")!.Code);
        Assert.Equal("photo.empty", PhotoProcessor.Check([], "x.jpg")!.Code);
    }

    [Fact]
    public void Process_HeicWithGps_IsStoredAsAJpegWithoutItsExif()
    {
        var upload = TestImages.HeicWithGps();
        Assert.Equal(PhotoFormat.Heic, PhotoProcessor.Sniff(upload));
        Assert.True(TestImages.Contains(upload, Encoding.UTF8.GetBytes(TestImages.HeicGpsMarker)));

        var (photo, problem) = PhotoProcessor.Process(upload, "IMG_0001.HEIC");

        Assert.Null(problem);
        var stored = photo!.Image.ToArray();
        Assert.Equal("image/jpeg", photo.ContentType);
        Assert.Equal(PhotoFormat.Jpeg, PhotoProcessor.Sniff(stored));
        Assert.False(TestImages.Contains(stored, Encoding.UTF8.GetBytes(TestImages.HeicGpsMarker)));
        Assert.False(TestImages.Contains(stored, "Exif\0\0"u8.ToArray()));
        using var decoded = SKBitmap.Decode(stored);
        Assert.Equal((80, 40), (decoded.Width, decoded.Height));
        Assert.Equal((80, 40), (photo.Width, photo.Height));
        var pixel = decoded.GetPixel(40, 20);   // the fixture is #3366cc all over
        Assert.InRange(pixel.Blue, 0xb0, 0xe0);
        Assert.InRange(pixel.Red, 0x20, 0x48);
    }

    [Fact]
    public void Process_HeicDeclaringTooManyPixels_IsRefusedBeforeDecoding()
    {
        var heic = TestImages.HeicTooManyPixels();   // 12 KB that would decode to 50.8 MP, ~200 MB of pixels

        var (photo, problem) = PhotoProcessor.Process(heic, "bomb.heic");

        Assert.Null(photo);
        Assert.Equal("photo.too_large", problem!.Code);
    }

    [Fact]
    public void Sniff_AvifOrPlainHeifBrand_IsNotHeic()
    {
        byte[] Ftyp(string major, string compatible) =>
            [0, 0, 0, 24, .. "ftyp"u8, .. Encoding.ASCII.GetBytes(major), 0, 0, 0, 0, .. "mif1"u8, .. Encoding.ASCII.GetBytes(compatible)];

        Assert.Equal(PhotoFormat.Unknown, PhotoProcessor.Sniff(Ftyp("avif", "miaf")));
        Assert.Equal(PhotoFormat.Unknown, PhotoProcessor.Sniff(Ftyp("mif1", "avif")));
        Assert.Equal(PhotoFormat.Heic, PhotoProcessor.Sniff(Ftyp("mif1", "heic")));   // some Android phones
        Assert.Equal(PhotoFormat.Heic, PhotoProcessor.Sniff(Ftyp("heic", "miaf")));   // iPhone
        Assert.Equal("photo.not_image", PhotoProcessor.Check(Ftyp("avif", "miaf"), "a.avif")!.Code);
    }

    [Fact]
    public void Process_HeicHeaderWithGarbage_IsUnreadable()
    {
        var heic = new byte[] { 0, 0, 0, 24, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'h', (byte)'e', (byte)'i', (byte)'c', 0, 0, 0, 0, (byte)'m', (byte)'i', (byte)'f', (byte)'1', 0, 0, 0, 0, 1, 2, 3, 4 };

        var (photo, problem) = PhotoProcessor.Process(heic, "x.heic");

        Assert.Null(photo);
        Assert.Equal("photo.unreadable", problem!.Code);
    }

    [Fact]
    public void Process_TruncatedJpeg_IsUnreadable()
    {
        var jpeg = TestImages.Encode(50, 50, SKEncodedImageFormat.Jpeg);
        var (photo, problem) = PhotoProcessor.Process(jpeg[..20], "cut.jpg");
        Assert.Null(photo);
        Assert.Equal("photo.unreadable", problem!.Code);
    }

    [Fact]
    public void Process_UprightJpegWithExif_CutsTheMetadataOut_KeepsThePixels()
    {
        var upload = TestImages.JpegWithExif(200, 100, orientation: 1).Concat("hidden payload after the end"u8.ToArray()).ToArray();
        var pristine = upload.ToArray();   // Process reuses the upload's buffer

        var (photo, problem) = PhotoProcessor.Process(upload, "upright.jpg");

        Assert.Null(problem);
        Assert.False(TestImages.Contains(photo!.Image.ToArray(), Encoding.UTF8.GetBytes(TestImages.GpsMarker)));
        Assert.False(TestImages.Contains(photo.Image.ToArray(), "Exif\0\0"u8.ToArray()));
        Assert.False(TestImages.Contains(photo.Image.ToArray(), "hidden payload"u8.ToArray()));
        Assert.Equal((byte)0xD9, photo.Image.ToArray()[^1]);
        using var stored = SKBitmap.Decode(photo.Image.ToArray());
        using var original = SKBitmap.Decode(pristine);
        Assert.Equal((200, 100), (stored.Width, stored.Height));
        Assert.Equal(original.GetPixel(10, 10), stored.GetPixel(10, 10));   // the same compressed data, not a re-encode
        Assert.Equal((200, 100), (photo.Width, photo.Height));
    }

    [Fact]
    public void Process_PngWithTextChunk_DropsIt()
    {
        var upload = TestImages.PngWithText(40, 30);
        Assert.True(TestImages.Contains(upload, Encoding.UTF8.GetBytes(TestImages.GpsMarker)));
        var (photo, problem) = PhotoProcessor.Process(upload, "t.png");
        Assert.Null(problem);
        Assert.False(TestImages.Contains(photo!.Image.ToArray(), Encoding.UTF8.GetBytes(TestImages.GpsMarker)));
        using var stored = SKBitmap.Decode(photo.Image.ToArray());
        Assert.Equal((40, 30), (stored.Width, stored.Height));
    }

    [Fact]
    public void StripJpeg_BrokenStructure_IsNull()
    {
        var jpeg = TestImages.Encode(50, 50, SKEncodedImageFormat.Jpeg);
        Assert.Null(PhotoMetadata.StripJpeg(jpeg[..(jpeg.Length / 2)]));   // no end marker
        Assert.Null(PhotoMetadata.StripJpeg([0xFF, 0xD8, 0x00, 0x01]));
    }
}
