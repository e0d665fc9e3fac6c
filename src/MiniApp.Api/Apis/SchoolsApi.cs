using System.Security.Claims;
using SchoolSafety.Core.Administration;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>School pages: the gate sign (公示牌).</summary>
public static class SchoolsApi
{
    /// <summary>Where the sign's report link points; <c>{schoolId}</c> is replaced. Configurable as <c>MiniApp:ReportLink</c>.</summary>
    public const string DefaultReportLink = "dingtalk://dingtalkclient/action/open_mini_app?page=pages%2Freport%2Findex%3FschoolId%3D{schoolId}";

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

    public static async Task<IResult> GetSignAsync(long id, ClaimsPrincipal user, AdminService admin, IConfiguration config, CancellationToken ct)
    {
        var link = (config["MiniApp:ReportLink"] ?? DefaultReportLink).Replace("{schoolId}", id.ToString());
        return (await admin.SignAsync(user.UserId(), id, ct)).ToHttp(sign => TypedResults.Ok(sign.ToResponse(link)));
    }
}
