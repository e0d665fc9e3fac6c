using SchoolSafety.Core.Grid;
using SchoolSafety.Core.Photos;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>
/// <c>GET /api/grid-photos/{key}?exp=&amp;sig=</c>: a dispatched clue's photos for the four platforms' command rooms, through
/// the long-lived links of the dispatch (<see cref="GridPhotoLinks"/>); nothing else opens them.
/// </summary>
public static class GridPhotosApi
{
    public static IEndpointRouteBuilder MapGridPhotosApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(GridPhotoLinks.Path + "{key}", GetAsync).AllowAnonymous().WithTags("FourPlatforms");
        return app;
    }

    public static async Task<IResult> GetAsync(string key, string? exp, string? sig, GridPhotoLinks links, IPhotoStore store, CancellationToken ct)
    {
        switch (links.Verify(key, exp, sig))
        {
            case GridPhotoLinks.Check.Expired: return Problems.Of(StatusCodes.Status410Gone, "photo.link_expired", "照片链接已过期");
            case GridPhotoLinks.Check.Invalid: return Problems.Forbidden("照片链接无效");
        }
        var opened = await store.OpenAsync(key, PhotoVariant.Original, ct);
        return opened is { } o ? TypedResults.Stream(o.Content, o.ContentType) : Problems.NotFound("照片不存在");
    }
}
