using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using SchoolSafety.Core.Photos;

namespace SchoolSafety.MiniApp.Api.Photos;

/// <summary>
/// A multipart form with photos, read in one pass: text fields as strings, the <c>photos</c> files into
/// pooled buffers. No temporary files and no new large arrays per request (ASP.NET's form reader would
/// copy a 200 KB photo into a growing MemoryStream, and we again into an array, all on the large-object
/// heap). Dispose returns the buffers, so keep the form until its photos are stored.
/// </summary>
public sealed class PhotoForm : IDisposable
{
    public const int MaxPhotos = 9;
    private const int MaxFields = 32;
    private const int MaxFieldBytes = 64 * 1024;

    /// <summary>
    /// The photos' own pool. ArrayPool.Shared keeps few large arrays per core and missed for most 256 KB rents
    /// under 16 concurrent uploads (measured: one new 256 KB array per report); this one keeps up to 16 of each
    /// size up to 4 MB (at most ~125 MB after a burst), and larger photos get a plain array.
    /// </summary>
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(4 * 1024 * 1024, 16);

    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);
    private readonly List<Upload> _photos = [];

    /// <summary>A text field's value, or "" when the form has no such field.</summary>
    public string this[string name] => _fields.GetValueOrDefault(name, "");

    public IReadOnlyList<Upload> Photos => _photos;

    /// <summary>One uploaded file; <see cref="Content"/> is only valid until the form is disposed.</summary>
    public sealed class Upload(string fileName, byte[] buffer, int length)
    {
        public string FileName { get; } = fileName;
        internal byte[] Buffer { get; } = buffer;
        public Memory<byte> Content => Buffer.AsMemory(0, length);
    }

    /// <summary>Reads the form; a bad form is a 400 with a Chinese message, and nothing is kept.</summary>
    public static async Task<(PhotoForm? Form, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || HeaderUtilities.RemoveQuotes(type.Boundary) is not { Length: > 0 and <= 200 } boundary)
            return (null, Malformed);
        var form = new PhotoForm();
        try
        {
            var reader = new MultipartReader(boundary.ToString(), request.Body) { HeadersLengthLimit = 16 * 1024 };
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || HeaderUtilities.RemoveQuotes(disposition.Name).ToString() is not { Length: > 0 } name)
                    return form.Fail(Malformed);
                if (disposition.IsFileDisposition())
                {
                    if (name is not ("photos" or "photo"))
                    {
                        await section.Body.DrainAsync(ct);
                        continue;
                    }
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString();
                    if (form._photos.Count == MaxPhotos)
                        return form.Fail(Problems.BadRequest("photo.too_many", $"最多上传 {MaxPhotos} 张照片"));
                    if (await ReadPooledAsync(section.Body, PhotoProcessor.MaxBytes, 256 * 1024, ct) is not var (buffer, length))
                        return form.Fail(Problems.BadRequest("photo.too_large", $"照片「{fileName}」超过 10 MB"));
                    form._photos.Add(new Upload(fileName, buffer, length));
                }
                else
                {
                    if (form._fields.Count == MaxFields)
                        return form.Fail(Problems.BadRequest("request.too_many_fields", "表单字段过多"));
                    if (form._fields.ContainsKey(name))
                        return form.Fail(Problems.BadRequest("request.field_repeated", $"表单字段「{name}」重复"));
                    if (await ReadPooledAsync(section.Body, MaxFieldBytes, 4 * 1024, ct) is not var (buffer, length))
                        return form.Fail(Problems.BadRequest("request.field_too_long", $"表单字段「{name}」过长"));
                    form._fields[name] = Encoding.UTF8.GetString(buffer, 0, length);
                    Buffers.Return(buffer);
                }
            }
            return (form, null);
        }
        // A broken boundary or a body cut short. (BadHttpRequestException, e.g. a body over the size limit,
        // is an IOException too and keeps its own status in the error handler.)
        catch (Exception e) when (e is InvalidDataException || e is IOException and not BadHttpRequestException)
        {
            return form.Fail(Malformed);
        }
        catch
        {
            form.Dispose();
            throw;
        }
    }

    private static IResult Malformed => Problems.BadRequest("request.malformed", "请求格式不正确，请以表单方式提交");

    private (PhotoForm?, IResult?) Fail(IResult problem)
    {
        Dispose();
        return (null, problem);
    }

    /// <summary>The whole stream in a pooled buffer (the caller returns it), or null when it is longer than <paramref name="max"/>.</summary>
    private static async Task<(byte[] Buffer, int Length)?> ReadPooledAsync(Stream body, int max, int first, CancellationToken ct)
    {
        var buffer = Buffers.Rent(first);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > max) break;
                    var bigger = Buffers.Rent(Math.Min(buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    Buffers.Return(buffer);
                    buffer = bigger;
                }
                // At most 16 KB a read: a multipart section copies through Stream.Read(Span), which rents a
                // temporary array of the span's size; a 200 KB span missed the pool and allocated every time.
                var read = await body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length - length, 16 * 1024)), ct);
                if (read == 0) break;
                length += read;
            }
            if (length <= max) return (buffer, length);
        }
        catch
        {
            Buffers.Return(buffer);
            throw;
        }
        Buffers.Return(buffer);
        return null;
    }

    public void Dispose()
    {
        foreach (var photo in _photos) Buffers.Return(photo.Buffer);
        _photos.Clear();
    }
}
