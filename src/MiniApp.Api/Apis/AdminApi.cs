using System.Security.Claims;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Organisation;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>
/// Administration (issue 5 §6): the Education Bureau admin runs schools, units, liaisons, co-leaders
/// and work groups; a department's liaison keeps only their own department's accounts.
/// </summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization();
        api.MapGet("/schools", ListSchoolsAsync);
        api.MapPost("/schools", CreateSchoolAsync);
        api.MapPatch("/schools/{id:long}", UpdateSchoolAsync);
        api.MapPut("/schools/{id:long}/co-leaders", SetCoLeadersAsync);
        api.MapPut("/schools/{id:long}/work-group", UpdateWorkGroupAsync);
        api.MapPost("/schools/{id:long}/work-group/members", AddWorkGroupMemberAsync);
        api.MapDelete("/schools/{id:long}/work-group/members/{lineCode}/{userId:long}", RemoveWorkGroupMemberAsync);
        api.MapGet("/units", ListUnitsAsync);
        api.MapPost("/units", CreateUnitAsync);
        api.MapPatch("/units/{id:long}", RenameUnitAsync);
        api.MapPut("/units/{id:long}/liaison", SetLiaisonAsync);
        api.MapGet("/units/{id:long}/accounts", ListAccountsAsync);
        api.MapPost("/accounts", CreateAccountAsync);
        api.MapPatch("/accounts/{id:long}", UpdateAccountAsync);
        api.MapPost("/accounts/{id:long}/deactivate", DeactivateAccountAsync);
        api.MapPost("/accounts/{id:long}/activate", ActivateAccountAsync);
        api.MapPut("/worklist/{no:int}/escalation-unit", SetEscalationUnitAsync);
        return api;
    }

    public static async Task<IResult> ListSchoolsAsync(ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.SchoolsAsync(user.UserId(), ct)).ToHttp(rows => TypedResults.Ok(rows.Select(s => s.ToResponse()).ToList()));

    public static async Task<IResult> CreateSchoolAsync(CreateSchoolRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.CreateSchoolAsync(user.UserId(), new CreateSchoolCommand(req.TownId, req.Name, req.IsPilot, req.RolloutPhase), ct))
            .ToHttp(id => TypedResults.Created($"/api/admin/schools/{id}", new IdResponse(id)));

    public static async Task<IResult> UpdateSchoolAsync(long id, UpdateSchoolRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.UpdateSchoolAsync(user.UserId(), id, new UpdateSchoolCommand(req.Name, req.IsPilot, req.RolloutPhase), ct)).ToHttp(Id);

    public static async Task<IResult> SetCoLeadersAsync(long id, CoLeadersRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.SetCoLeadersAsync(user.UserId(), id, new CoLeadersCommand(req.GridInstructorUserId, req.SchoolLeaderUserId), ct)).ToHttp(Id);

    public static async Task<IResult> UpdateWorkGroupAsync(long id, WorkGroupRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.UpdateWorkGroupAsync(user.UserId(), id, new WorkGroupCommand(req.Name, string.IsNullOrWhiteSpace(req.OpenConversationId) ? null : req.OpenConversationId), ct)).ToHttp(Id);

    public static async Task<IResult> AddWorkGroupMemberAsync(long id, WorkGroupMemberRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.AddWorkGroupMemberAsync(user.UserId(), id, new WorkGroupMemberCommand(req.UserId, req.UnitId), ct)).ToHttp(Id);

    public static async Task<IResult> RemoveWorkGroupMemberAsync(long id, string lineCode, long userId, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.RemoveWorkGroupMemberAsync(user.UserId(), id, lineCode, userId, ct)).ToHttp(Id);

    public static async Task<IResult> ListUnitsAsync(string? lineCode, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.UnitsAsync(user.UserId(), string.IsNullOrWhiteSpace(lineCode) ? null : lineCode, ct))
            .ToHttp(rows => TypedResults.Ok(rows.Select(u => u.ToResponse()).ToList()));

    public static async Task<IResult> CreateUnitAsync(CreateUnitRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct)
    {
        var level = AdminContractMapping.ParseName<UnitLevel>(req.Level);
        if (level is null) return Problems.BadRequest("unit.level_invalid", "单位层级应为 Town（镇街）、District（区级）或 City（市级）");
        return (await admin.CreateUnitAsync(user.UserId(), new CreateUnitCommand(req.LineCode, level, req.RegionId, req.Name), ct))
            .ToHttp(id => TypedResults.Created($"/api/admin/units/{id}", new IdResponse(id)));
    }

    public static async Task<IResult> RenameUnitAsync(long id, RenameUnitRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.RenameUnitAsync(user.UserId(), id, req.Name, ct)).ToHttp(Id);

    public static async Task<IResult> SetLiaisonAsync(long id, LiaisonRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.SetLiaisonAsync(user.UserId(), id, new LiaisonCommand(req.DingTalkUserId, req.Name, req.Mobile), ct)).ToHttp(Id);

    public static async Task<IResult> ListAccountsAsync(long id, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.AccountsAsync(user.UserId(), id, ct)).ToHttp(rows => TypedResults.Ok(rows.ToResponse()));

    public static async Task<IResult> CreateAccountAsync(AccountRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct)
    {
        var grants = AdminContractMapping.ToGrants(req.Roles, out var invalid);
        if (invalid) return RoleInvalid();
        return (await admin.CreateAccountAsync(user.UserId(), new AccountCommand(req.DingTalkUserId, req.Name, req.Mobile, grants), ct))
            .ToHttp(id => TypedResults.Created($"/api/admin/accounts/{id}", new IdResponse(id)));
    }

    public static async Task<IResult> UpdateAccountAsync(long id, AccountRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct)
    {
        var grants = AdminContractMapping.ToGrants(req.Roles, out var invalid);
        if (invalid) return RoleInvalid();
        return (await admin.UpdateAccountAsync(user.UserId(), id, new AccountCommand(req.DingTalkUserId, req.Name, req.Mobile, grants), ct)).ToHttp(Id);
    }

    public static async Task<IResult> DeactivateAccountAsync(long id, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.SetAccountActiveAsync(user.UserId(), id, false, ct)).ToHttp(Id);

    public static async Task<IResult> ActivateAccountAsync(long id, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.SetAccountActiveAsync(user.UserId(), id, true, ct)).ToHttp(Id);

    /// <summary>Where an item escalates when its line has no unit at the next tier; <c>unitId</c> null for the default (the district task force office).</summary>
    public static async Task<IResult> SetEscalationUnitAsync(int no, EscalationUnitRequest req, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
        (await admin.SetEscalationUnitAsync(user.UserId(), no, req.UnitId, ct)).ToHttp(_ => TypedResults.Ok(new EscalationUnitResponse(no, req.UnitId)));

    private static IResult Id(long id) => TypedResults.Ok(new IdResponse(id));

    private static IResult RoleInvalid() => Problems.BadRequest("user.roles_invalid", "角色应为 Handler（经办人）、UnitHead（负责人）或 Reporter（学校上报人）");
}

/// <summary>One mapping from a use case's outcome to HTTP for the administration, guidance, work-list and statistics endpoints.</summary>
public static class OutcomeHttp
{
    public static IResult ToHttp<T>(this Outcome<T> outcome, Func<T, IResult> ok) => outcome.Failure switch
    {
        null => ok(outcome.Value!),
        { Status: OutcomeStatus.NotFound } f => Problems.Of(StatusCodes.Status404NotFound, f.Code, f.Message),
        { Status: OutcomeStatus.Forbidden } f => Problems.Of(StatusCodes.Status403Forbidden, f.Code, f.Message),
        { Status: OutcomeStatus.Invalid } f => Problems.Of(StatusCodes.Status400BadRequest, f.Code, f.Message),
        var f => Problems.Of(StatusCodes.Status409Conflict, f.Code, f.Message),
    };
}
