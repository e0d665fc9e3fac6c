using System.Security.Claims;
using MySqlConnector;
using SchoolSafety.Core.Organisation;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record MeResponse(long Id, string Name, string? Mobile, IReadOnlyList<MyRole> Roles);

public sealed record MyRole(string Role, long? UnitId, long? SchoolId, string? Title, string? UnitName = null, string? SchoolName = null);

/// <summary>The signed-in person's own profile: the one place their phone number is shown unmasked.</summary>
public static class MeApi
{
    public static RouteGroupBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/me").WithTags("Me").RequireAuthorization();
        api.MapGet("/", GetMeAsync);
        return api;
    }

    public static async Task<IResult> GetMeAsync(ClaimsPrincipal principal, MySqlDataSource db, OrganisationStore org, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var user = await org.ActiveUserAsync(conn, principal.UserId(), ct);
        if (user is null) return Problems.Of(StatusCodes.Status403Forbidden, "auth.not_enrolled", "您的账号未开通或已停用，请联系本单位联络员");
        var roles = await org.MembershipsAsync(conn, null, user.Id, ct);
        var units = await org.UnitNamesAsync(conn, roles.Where(m => m.UnitId != 0).Select(m => m.UnitId).Distinct().ToList(), ct);
        var schools = await org.SchoolNamesAsync(conn, roles.Where(m => m.SchoolId != 0).Select(m => m.SchoolId).Distinct().ToList(), ct);
        return TypedResults.Ok(new MeResponse(user.Id, user.Name, user.Mobile,
            roles.Select(m => new MyRole(m.Role.ToString(), m.UnitId == 0 ? null : m.UnitId, m.SchoolId == 0 ? null : m.SchoolId, m.Title,
                units.GetValueOrDefault(m.UnitId), schools.GetValueOrDefault(m.SchoolId))).ToList()));
    }
}
