using SchoolSafety.Core.Administration;
using MySqlConnector;
using SchoolSafety.Core.Audit;
using System.Security.Claims;
using System.Text.Json;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.WorkList;
using SchoolSafety.MiniApp.Api.Auth;
using SchoolSafety.MiniApp.Api.Photos;
using SchoolSafety.Core.Photos;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>A finding: <c>assignee</c> is <c>School</c> (the visited school rectifies) or <c>Unit</c> (with <c>unitId</c>).</summary>
public sealed record FindingRequest(string? Description, string? Assignee, long? UnitId, DateOnly? Deadline);

/// <summary>A visit: <c>kind</c> is <c>Publicity</c> (宣传教育), <c>BusinessGuidance</c> (业务指导) or <c>Inspection</c> (工作检查).</summary>
public sealed record CreateGuidanceRequest(long SchoolId, long UnitId, string? Kind, DateOnly? Date, string? Summary, string? Attendees,
    IReadOnlyList<string>? PhotoIds, IReadOnlyList<FindingRequest>? Findings);

public sealed record EvidenceRequest(string? Note, IReadOnlyList<string>? PhotoIds);

public sealed record SendBackRequest(string? Reason);

public sealed record FindingResponse(long Id, int Seq, string Description, string Assignee, long? AssigneeSchoolId, long? AssigneeUnitId, string? AssigneeUnitName,
    DateOnly Deadline, bool Overdue, string State, string StateZh, string? EvidenceNote, IReadOnlyList<string> EvidencePhotoIds,
    IReadOnlyList<PhotoLink> EvidencePhotos, DateTime? SubmittedAt,
    string? ReturnedReason, int ReturnCount, DateTime? ClosedAt);

public sealed record GuidanceResponse(long Id, long SchoolId, string SchoolName, long UnitId, string UnitName, string Kind, string KindZh, DateOnly Date,
    string Summary, string Attendees, IReadOnlyList<string> PhotoIds, IReadOnlyList<PhotoLink> Photos, string CreatorName, string State, string StateZh, DateTime CreatedAt, DateTime? ClosedAt,
    IReadOnlyList<FindingResponse> Findings);

public sealed record GuidanceListItem(long Id, long SchoolId, string SchoolName, long UnitId, string UnitName, string Kind, string KindZh, DateOnly Date, string State, string StateZh);

/// <summary>Service guidance (服务指导): visit records, findings as rectification tasks, evidence, verification.</summary>
public static class GuidanceApi
{
    public static RouteGroupBuilder MapGuidanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/guidance").WithTags("Guidance").RequireAuthorization();
        api.MapGet("/", ListGuidanceAsync);
        api.MapPost("/", CreateGuidanceAsync);
        api.MapGet("/{id:long}", GetGuidanceAsync);
        api.MapPost("/findings/{id:long}/evidence", SubmitEvidenceAsync);
        api.MapPost("/findings/{id:long}/accept", AcceptFindingAsync);
        api.MapPost("/findings/{id:long}/send-back", SendBackFindingAsync);
        return api;
    }

    public static async Task<IResult> CreateGuidanceAsync(CreateGuidanceRequest req, ClaimsPrincipal user, GuidanceService guidance, TimeProvider clock, PhotoLinks links,
        PhotoUploadStore uploads, AuditStore audit, MySqlDataSource db, CancellationToken ct)
    {
        var kind = AdminContractMapping.ParseName<GuidanceKind>(req.Kind);
        if (kind is null) return Problems.BadRequest("guidance.kind_invalid", "请选择指导类型：Publicity（宣传教育）、BusinessGuidance（业务指导）或 Inspection（工作检查）");
        var findings = new List<FindingInput>();
        foreach (var f in req.Findings ?? [])
        {
            var unit = f.Assignee switch
            {
                "School" when f.UnitId is null => (long?)0,
                "Unit" when f.UnitId is > 0 => f.UnitId,
                _ => null,
            };
            if (unit is null) return Problems.BadRequest("guidance.assignee_invalid", "整改责任方应为学校（School），或单位（Unit，并指定 unitId）");
            findings.Add(new FindingInput(f.Description, unit == 0 ? null : unit, f.Deadline));
        }
        var cmd = new CreateGuidanceCommand(req.SchoolId, req.UnitId, kind, req.Date, req.Summary, req.Attendees, req.PhotoIds, req.Findings is null ? null : findings);
        var photos = ValidKeys(req.PhotoIds);
        if (!await uploads.MayAttachAsync(photos, user.UserId(), PhotoOwner.Guidance(0), ct)) return PhotosApi.NotYours();
        var outcome = await guidance.CreateAsync(user.UserId(), cmd, ct);
        if (outcome.Value is { } created) await uploads.AttachAsync(photos, user.UserId(), PhotoOwner.Guidance(created.Record.Id), ct);
        return await RespondAsync(outcome, user, clock, links, audit, db, r => TypedResults.Created($"/api/guidance/{r.Id}", r), ct);
    }

    /// <summary>The detail as the person sees it; every photo link issued is audited, as a clue's are (domain.md §8).</summary>
    private static async Task<IResult> RespondAsync(Outcome<GuidanceDetail> outcome, ClaimsPrincipal user, TimeProvider clock, PhotoLinks links, AuditStore audit,
        MySqlDataSource db, Func<GuidanceResponse, IResult>? wrap, CancellationToken ct)
    {
        if (outcome.Value is not { } d) return outcome.ToHttp(_ => TypedResults.Ok());
        var response = d.ToResponse(WorkListDeadlines.ChinaToday(clock), links);
        var linked = response.PhotoIds.Concat(response.Findings.SelectMany(f => f.EvidencePhotoIds)).Distinct().ToList();
        if (linked.Count > 0)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await audit.RecordAsync(conn, null, linked.Select(k => new AuditEntry(user.UserId(), AuditAction.PhotoLink, "photo", k, $"guidance {d.Record.Id}")).ToList(), ct);
        }
        return wrap is null ? TypedResults.Ok(response) : wrap(response);
    }

    private static IReadOnlyList<string> ValidKeys(IReadOnlyList<string>? ids) => (ids ?? []).Where(LocalPhotoStore.IsKey).ToList();

    public static async Task<IResult> ListGuidanceAsync(long? schoolId, DateOnly? from, DateOnly? to, int? page, int? pageSize, ClaimsPrincipal user,
        GuidanceService guidance, CancellationToken ct) =>
        (await guidance.ListAsync(user.UserId(), new GuidanceFilter(schoolId, from, to, page ?? 1, pageSize ?? 20), ct))
            .ToHttp(rows => TypedResults.Ok(rows.Select(r => new GuidanceListItem(r.Id, r.SchoolId, r.SchoolName, r.UnitId, r.UnitName, r.Kind.ToString(), r.Kind.Zh(),
                DateOnly.FromDateTime(r.VisitDate), r.State.ToString(), r.State.Zh())).ToList()));

    public static async Task<IResult> GetGuidanceAsync(long id, ClaimsPrincipal user, GuidanceService guidance, TimeProvider clock, PhotoLinks links,
        AuditStore audit, MySqlDataSource db, CancellationToken ct) =>
        await RespondAsync(await guidance.DetailAsync(user.UserId(), id, ct), user, clock, links, audit, db, null, ct);

    public static async Task<IResult> SubmitEvidenceAsync(long id, EvidenceRequest req, ClaimsPrincipal user, GuidanceService guidance, TimeProvider clock, PhotoLinks links,
        PhotoUploadStore uploads, AuditStore audit, MySqlDataSource db, CancellationToken ct)
    {
        var photos = ValidKeys(req.PhotoIds);
        if (!await uploads.MayAttachAsync(photos, user.UserId(), PhotoOwner.Finding(id), ct)) return PhotosApi.NotYours();
        var outcome = await guidance.SubmitEvidenceAsync(user.UserId(), id, new EvidenceCommand(req.Note, req.PhotoIds), ct);
        if (outcome.IsOk) await uploads.AttachAsync(photos, user.UserId(), PhotoOwner.Finding(id), ct);
        return await RespondAsync(outcome, user, clock, links, audit, db, null, ct);
    }

    public static async Task<IResult> AcceptFindingAsync(long id, ClaimsPrincipal user, GuidanceService guidance, TimeProvider clock, PhotoLinks links,
        AuditStore audit, MySqlDataSource db, CancellationToken ct) =>
        await RespondAsync(await guidance.AcceptAsync(user.UserId(), id, ct), user, clock, links, audit, db, null, ct);

    public static async Task<IResult> SendBackFindingAsync(long id, SendBackRequest req, ClaimsPrincipal user, GuidanceService guidance, TimeProvider clock, PhotoLinks links,
        AuditStore audit, MySqlDataSource db, CancellationToken ct) =>
        await RespondAsync(await guidance.SendBackAsync(user.UserId(), id, req.Reason, ct), user, clock, links, audit, db, null, ct);

    private static GuidanceResponse ToResponse(this GuidanceDetail d, DateOnly today, PhotoLinks links)
    {
        var r = d.Record;
        IReadOnlyList<PhotoLink> Links(string? json) =>
            Ids(json).Select(k => new PhotoLink(links.Create(k, PhotoVariant.Thumbnail), links.Create(k, PhotoVariant.Original))).ToList();
        return new GuidanceResponse(r.Id, r.SchoolId, r.SchoolName, r.UnitId, r.UnitName, r.Kind.ToString(), r.Kind.Zh(), DateOnly.FromDateTime(r.VisitDate),
            r.Summary, r.Attendees, Ids(r.Photos), Links(r.Photos), r.CreatorName, r.State.ToString(), r.State.Zh(), r.CreatedAt, r.ClosedAt,
            d.Findings.Select(f => new FindingResponse(f.Id, f.Seq, f.Description, f.AssigneeUnitId is null ? "School" : "Unit", f.AssigneeSchoolId, f.AssigneeUnitId,
                f.AssigneeUnitName, DateOnly.FromDateTime(f.Deadline), f.State != FindingState.Closed && DateOnly.FromDateTime(f.Deadline) < today,
                f.State.ToString(), f.State.Zh(), f.EvidenceNote, Ids(f.EvidencePhotos), Links(f.EvidencePhotos), f.SubmittedAt, f.ReturnedReason, f.ReturnCount, f.ClosedAt)).ToList());
    }

    private static IReadOnlyList<string> Ids(string? json) => json is null ? [] : JsonSerializer.Deserialize<List<string>>(json) ?? [];
}
