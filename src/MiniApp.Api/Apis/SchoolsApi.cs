using System.Security.Claims;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Cards;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>School pages: the gate sign (公示牌).</summary>
public static class SchoolsApi
{
    public static RouteGroupBuilder MapSchoolsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/schools").WithTags("Schools").RequireAuthorization();
        api.MapGet("/", ListSchoolsAsync);
        api.MapGet("/{id:long}/sign", GetSignAsync);
        return api;
    }

    /// <summary>The active schools (id, town, name) for choosing one.</summary>
    public static async Task<IResult> ListSchoolsAsync(ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.SchoolDirectoryAsync(user.UserId(), ct)).ToHttp(rows => TypedResults.Ok(rows.Select(s => s.ToResponse()).ToList()));

    /// <summary>The gate sign (公示牌): its report link opens the mini-app's 上报线索 page inside DingTalk (the H5 scheme, <see cref="CardOptions.Link"/>).</summary>
    public static async Task<IResult> GetSignAsync(long id, ClaimsPrincipal user, AdminService admin, IOptions<CardOptions> links, CancellationToken ct)
    {
        var link = links.Value.Link(MiniAppPages.ReportFor(id));
        return (await admin.SignAsync(user.UserId(), id, ct)).ToHttp(sign => TypedResults.Ok(sign.ToResponse(link)));
    }
}
