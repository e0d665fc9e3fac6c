using System.Security.Claims;
using MySqlConnector;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Organisation;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>The confidentiality log, searchable by the Education Bureau admin only; nothing here changes it.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization();
        api.MapGet("/", SearchAsync);
        return api;
    }

    public static async Task<IResult> SearchAsync(ClaimsPrincipal user, MySqlDataSource db, OrganisationStore org, AuditStore audit, CancellationToken ct,
        long? actor = null, string? action = null, string? subjectType = null, string? subjectId = null, DateTime? from = null, DateTime? to = null,
        int page = 1, int pageSize = 50)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var roles = await org.MembershipsAsync(conn, null, user.UserId(), ct);
            if (!roles.Any(r => r.Role == Role.EduAdmin)) return Problems.Forbidden("只有教育局专班管理员可以查询审计日志");
        }
        AuditAction? a = null;
        if (action is not null)
        {
            if (!Enum.TryParse<AuditAction>(action, ignoreCase: true, out var parsed))
                return Problems.BadRequest("audit.action_invalid", "审计类型不正确");
            a = parsed;
        }
        if (page < 1 || pageSize is < 1 or > 200)
            return Problems.BadRequest("request.paging", "分页参数不正确（每页 1–200 条）");
        return TypedResults.Ok(await audit.SearchAsync(new AuditQuery(actor, a, subjectType, subjectId, ChinaTime.ToUtc(from), ChinaTime.ToUtc(to), page, pageSize), ct));
    }
}
