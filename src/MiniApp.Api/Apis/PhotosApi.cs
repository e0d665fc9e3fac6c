using SchoolSafety.Core.Photos;
using SchoolSafety.MiniApp.Api.Photos;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record PhotoUploadResponse(IReadOnlyList<string> Keys);

/// <summary>Photos: uploaded for actions' evidence (reports carry theirs in the report form); served only through signed links.</summary>
public static class PhotosApi
{
    public const int MaxRequestBytes = 100 * 1024 * 1024;

    public static RouteGroupBuilder MapPhotosApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/photos").WithTags("Photos");
        api.MapPost("/", UploadAsync).RequireAuthorization().WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxRequestBytes));
        api.MapGet("/{key}", GetAsync).AllowAnonymous();
        return api;
    }

    /// <summary>Up to 9 photos as multipart <c>photos</c>; every one is checked before any is stored.</summary>
    public static async Task<IResult> UploadAsync(HttpRequest request, IPhotoStore store, CancellationToken ct)
    {
        if (!request.HasFormContentType)
            return Problems.BadRequest("photo.multipart_required", "请以表单方式上传照片");
        var (form, formProblem) = await PhotoForm.ReadAsync(request, ct);
        if (form is null) return formProblem!;
        using (form)
        {
            var (photos, problem) = ProcessPhotos(form);
            if (problem is not null) return problem;
            if (photos.Count == 0) return Problems.BadRequest("photo.none", "请至少上传一张照片");
            return TypedResults.Ok(new PhotoUploadResponse(await SaveAllAsync(store, photos, ct)));
        }
    }

    /// <summary>Checks and cleans the form's photos; the first problem found is returned as a 400 and nothing is kept.</summary>
    public static (List<ProcessedPhoto> Photos, IResult? Problem) ProcessPhotos(PhotoForm form)
    {
        var photos = new List<ProcessedPhoto>(form.Photos.Count);
        foreach (var upload in form.Photos)
        {
            var (photo, problem) = PhotoProcessor.Process(upload.Content, upload.FileName);
            if (problem is not null) return ([], Problems.BadRequest(problem.Code, problem.Message));
            photos.Add(photo!);
        }
        return (photos, null);
    }

    public static async Task<List<string>> SaveAllAsync(IPhotoStore store, List<ProcessedPhoto> photos, CancellationToken ct)
    {
        var keys = new List<string>(photos.Count);
        foreach (var p in photos) keys.Add(await store.SaveAsync(p, ct));
        return keys;
    }

    public static async Task<IResult> GetAsync(string key, string? v, string? exp, string? sig, PhotoLinks links, IPhotoStore store, CancellationToken ct)
    {
        switch (links.Verify(key, v, exp, sig))
        {
            case PhotoLinks.Check.Expired: return Problems.Of(StatusCodes.Status410Gone, "photo.link_expired", "照片链接已过期，请刷新页面");
            case PhotoLinks.Check.Invalid: return Problems.Forbidden("照片链接无效");
        }
        var opened = await store.OpenAsync(key, v == "thumb" ? PhotoVariant.Thumbnail : PhotoVariant.Original, ct);
        return opened is { } o ? TypedResults.Stream(o.Content, o.ContentType) : Problems.NotFound("照片不存在");
    }
}
