using System.Security.Claims;
using MySqlConnector;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Photos;
using SchoolSafety.MiniApp.Api.Auth;
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
        api.MapPost("/", UploadAsync).RequireAuthorization()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxRequestBytes), new RateLimited(RateLimited.Upload));
        api.MapGet("/{key}", GetAsync).AllowAnonymous();
        return api;
    }

    /// <summary>Up to 9 photos as multipart <c>photos</c>; every one is checked before any is stored.</summary>
    public static async Task<IResult> UploadAsync(HttpRequest request, ClaimsPrincipal user, MySqlDataSource db, OrganisationStore org, IPhotoStore store,
        PhotoUploadStore uploads, Microsoft.Extensions.Options.IOptions<PhotoOptions> options, CancellationToken ct)
    {
        // Evidence is for people with a part in the work: an account with no role has nothing to attach a photo to.
        await using (var conn = await db.OpenConnectionAsync(ct))
            if ((await org.MembershipsAsync(conn, null, user.UserId(), ct)).Count == 0)
                return Problems.Of(StatusCodes.Status403Forbidden, "photo.no_role", "您的账号尚未分配角色，不能上传照片");
        if (!request.HasFormContentType)
            return Problems.BadRequest("photo.multipart_required", "请以表单方式上传照片");
        var (form, formProblem) = await PhotoForm.ReadAsync(request, ct);
        if (form is null) return formProblem!;
        using (form)
        {
            if (await QuotaProblemAsync(uploads, user, form.Photos.Count, options.Value, ct) is { } full) return full;
            var (photos, problem) = await ProcessPhotosAsync(form, ct);
            if (problem is not null) return problem;
            if (photos.Count == 0) return Problems.BadRequest("photo.none", "请至少上传一张照片");
            var keys = await SaveAllAsync(store, uploads, user.UserId(), photos, ct);
            return TypedResults.Ok(new PhotoUploadResponse(keys));
        }
    }

    /// <summary>Checks and cleans the form's photos; the first problem found is returned as a 400 and nothing is kept.</summary>
    public static async Task<(List<ProcessedPhoto> Photos, IResult? Problem)> ProcessPhotosAsync(PhotoForm form, CancellationToken ct)
    {
        var photos = new List<ProcessedPhoto>(form.Photos.Count);
        foreach (var upload in form.Photos)
        {
            var (photo, problem) = await PhotoProcessor.ProcessAsync(upload.Content, upload.FileName, ct);
            if (problem is not null) return ([], Problems.BadRequest(problem.Code, problem.Message));
            photos.Add(photo!);
        }
        return (photos, null);
    }

    /// <summary>A 429 when these photos would pass the person's daily quota; null otherwise.</summary>
    public static async Task<IResult?> QuotaProblemAsync(PhotoUploadStore uploads, ClaimsPrincipal user, int adding, PhotoOptions options, CancellationToken ct) =>
        await uploads.WithinQuotaAsync(user.UserId(), adding, options.DailyUploadsPerUser, ct)
            ? null
            : Problems.Of(StatusCodes.Status429TooManyRequests, "photo.quota", $"24 小时内上传的照片已达上限（{options.DailyUploadsPerUser} 张），请明天再试");

    /// <summary>The answer when photos are not the person's own unattached uploads (or already this owner's).</summary>
    public static IResult NotYours() => Problems.BadRequest("photo.not_yours", "照片不存在、不是您上传的或已用于其他记录，请重新上传");

    /// <summary>
    /// Records the person's uploads first, then writes the files: a crash in between leaves recorded, unattached uploads,
    /// which the purge removes with whatever was written of them (never a file that nothing names).
    /// </summary>
    public static async Task<List<string>> SaveAllAsync(IPhotoStore store, PhotoUploadStore uploads, long userId, List<ProcessedPhoto> photos, CancellationToken ct)
    {
        var keys = photos.Select(_ => LocalPhotoStore.NewKey()).ToList();
        await uploads.RecordAsync(keys, userId, ct);   // the uploader's until attached
        for (var i = 0; i < photos.Count; i++) await store.SaveAsync(keys[i], photos[i], ct);
        return keys;
    }

    public static async Task<IResult> GetAsync(string key, string? v, string? exp, string? sig, PhotoLinks links, IPhotoStore store, HttpResponse response, CancellationToken ct)
    {
        // A photo of a school is nobody's to cache: not a shared proxy, not the browser's disk; and never read as anything but an image.
        response.Headers.CacheControl = "private, no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        switch (links.Verify(key, v, exp, sig))
        {
            case PhotoLinks.Check.Expired: return Problems.Of(StatusCodes.Status410Gone, "photo.link_expired", "照片链接已过期，请刷新页面");
            case PhotoLinks.Check.Invalid: return Problems.Forbidden("照片链接无效");
        }
        var opened = await store.OpenAsync(key, v == "thumb" ? PhotoVariant.Thumbnail : PhotoVariant.Original, ct);
        return opened is { } o ? TypedResults.Stream(o.Content, o.ContentType) : Problems.NotFound("照片不存在");
    }
}
