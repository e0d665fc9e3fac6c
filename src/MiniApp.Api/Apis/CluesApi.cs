using System.Globalization;
using System.Security.Claims;
using MySqlConnector;
using SchoolSafety.Core.Audit;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Photos;
using SchoolSafety.MiniApp.Api.Auth;
using SchoolSafety.MiniApp.Api.Photos;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>Report, follow and act on clues (domain.md §2).</summary>
public static class CluesApi
{
    public static RouteGroupBuilder MapCluesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/clues").WithTags("Clues").RequireAuthorization();
        api.MapPost("/", ReportAsync).WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(PhotosApi.MaxRequestBytes), new RateLimited(RateLimited.Report));
        api.MapGet("/", ListAsync);
        api.MapGet("/{id:long}", GetAsync);
        api.MapPost("/{id:long}/actions", ApplyActionAsync).WithMetadata(new RateLimited(RateLimited.Action));
        api.MapGet("/{id:long}/reassign-targets", ReassignTargetsAsync);
        return api;
    }

    /// <summary>
    /// Multipart form: <c>itemNo</c>, <c>description</c>, <c>idempotencyKey</c>, optional <c>location</c>,
    /// <c>latitude</c>, <c>longitude</c>, <c>schoolId</c> (only for staff of several schools), and up to 9
    /// <c>photos</c>. The school and town come from the reporter's membership.
    /// </summary>
    public static async Task<IResult> ReportAsync(HttpRequest request, ClaimsPrincipal user, ClueService clues, IPhotoStore store, PhotoUploadStore uploads,
        Microsoft.Extensions.Options.IOptions<PhotoOptions> photoOptions, CancellationToken ct)
    {
        if (!request.HasFormContentType)
            return Problems.BadRequest("request.multipart_required", "请以表单方式提交线索");
        var (form, formProblem) = await PhotoForm.ReadAsync(request, ct);
        if (form is null) return formProblem!;
        using (form) return await ReportFormAsync(form, user, clues, store, uploads, photoOptions.Value, ct);
    }

    private static async Task<IResult> ReportFormAsync(PhotoForm form, ClaimsPrincipal user, ClueService clues, IPhotoStore store, PhotoUploadStore uploads,
        PhotoOptions photoOptions, CancellationToken ct)
    {
        if (!int.TryParse(form["itemNo"], NumberStyles.None, CultureInfo.InvariantCulture, out var itemNo))
            return Problems.BadRequest("clue.item_unknown", "请选择工作清单中的隐患类别");
        var description = form["description"];
        if (string.IsNullOrWhiteSpace(description))
            return Problems.BadRequest("clue.description_required", "请填写线索描述");
        if (description.Length > ClueService.MaxDescriptionLength)
            return Problems.BadRequest("clue.description_too_long", $"线索描述不能超过 {ClueService.MaxDescriptionLength} 字");
        var key = form["idempotencyKey"];
        if (string.IsNullOrWhiteSpace(key) || key.Length > 100)
            return Problems.BadRequest("request.idempotency_key", "请求缺少防重复提交标识，请刷新后重试");
        if (!TryDecimal(form["latitude"], -90, 90, out var lat) || !TryDecimal(form["longitude"], -180, 180, out var lng))
            return Problems.BadRequest("clue.location_invalid", "位置坐标不正确");
        long? schoolId = null;
        if (!string.IsNullOrEmpty(form["schoolId"]))
        {
            if (!long.TryParse(form["schoolId"], NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                return Problems.BadRequest("clue.school_invalid", "学校编号不正确");
            schoolId = s;
        }
        var location = form["location"];
        if (location.Length > 200)
            return Problems.BadRequest("clue.location_too_long", "位置描述不能超过 200 字");

        if (await PhotosApi.QuotaProblemAsync(uploads, user, form.Photos.Count, photoOptions, ct) is { } full) return full;
        var (photos, problem) = await PhotosApi.ProcessPhotosAsync(form, ct);
        if (problem is not null) return problem;
        var keys = await PhotosApi.SaveAllAsync(store, uploads, user.UserId(), photos, ct);   // a report that fails from here leaves orphans, removed after a day
        var outcome = await clues.ReportAsync(new ReportCommand
        {
            ReporterUserId = user.UserId(), SchoolId = schoolId, ItemNo = itemNo, Description = description,
            Location = location, Latitude = lat, Longitude = lng, Attachments = keys, IdempotencyKey = key,
        }, ct);
        // The report's transaction attached its photos; nothing is kept for a refused or repeated one (the purge would
        // remove them a day later; removed now).
        if (outcome.Kind != OutcomeKind.Applied || outcome.Repeat)
            foreach (var k in keys) await store.DeleteAsync(k, ct);
        return outcome.ToHttpResult(o => TypedResults.Created($"/api/clues/{o.ClueId}",
            new ReportClueResponse(o.ClueId, o.Number!, o.Message, o.DuplicateOf)));
    }

    public static async Task<IResult> ListAsync(ClaimsPrincipal user, ClueService clues, TimeProvider clock, CancellationToken ct,
        string? scope = null, string? state = null, int? item = null, long? town = null, long? school = null, bool? overdue = null,
        bool? supervised = null, DateTime? from = null, DateTime? to = null, int page = 1, int pageSize = 20)
    {
        ClueListScope listScope = ClueListScope.All;
        if (scope is not null && !Enum.TryParse(scope, ignoreCase: true, out listScope))
            return Problems.BadRequest("clue.scope_invalid", "列表范围只能是：我的、本校、本单位、全部或待办");
        ClueState? clueState = null;
        if (state is not null)
        {
            if (!Enum.TryParse<ClueState>(state, ignoreCase: true, out var s))
                return Problems.BadRequest("clue.state_invalid", "状态不正确");
            clueState = s;
        }
        if (page < 1 || pageSize is < 1 or > 100)
            return Problems.BadRequest("request.paging", "分页参数不正确（每页 1–100 条）");
        var filter = new ClueFilter
        {
            Scope = listScope, State = clueState, ItemNo = item, TownId = town, SchoolId = school, Overdue = overdue == true,
            Supervised = supervised == true, From = ChinaTime.ToUtc(from), To = ChinaTime.ToUtc(to), Page = page, PageSize = pageSize,
        };
        var (items, total) = await clues.ListAsync(user.UserId(), filter, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(new ClueListResponse(items.Select(i => i.ToEntry(now)).ToList(), Math.Min(total, ClueStore.CountLimit), page, pageSize,
            TotalCapped: total > ClueStore.CountLimit));
    }

    public static async Task<IResult> GetAsync(long id, ClaimsPrincipal user, ClueService clues, PhotoLinks links, AuditStore audit,
        MySqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var userId = user.UserId();
        if (await clues.ReadAsync(id, userId, ct) is not { } detail)
            return Problems.NotFound("线索不存在或无权查看");
        var (response, linked) = detail.ToResponse(links, clock.GetUtcNow().UtcDateTime);
        if (linked.Count > 0)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await audit.RecordAsync(conn, null, linked.Select(k => new AuditEntry(userId, AuditAction.PhotoLink, "photo", k, response.Number)).ToList(), ct);
        }
        return TypedResults.Ok(response);
    }

    public static async Task<IResult> ApplyActionAsync(long id, ApplyActionRequest req, ClaimsPrincipal user, ClueService clues, PhotoUploadStore uploads, CancellationToken ct)
    {
        if (req.Action is null || !Enum.TryParse<ClueAction>(req.Action, ignoreCase: true, out var action) || action is ClueAction.Report or ClueAction.GridResult
            || ClueWorkflow.Recorded.Contains(action))
            return Problems.BadRequest("clue.action_unknown", "未知的操作");
        if (req.Version is null && CluePermissions.NeedsVersion(action))
            return Problems.BadRequest("clue.version_required", "页面信息不完整，请刷新后重试");
        ClueRating? rating = null;
        if (req.Rating is not null)
        {
            if (!Enum.TryParse<ClueRating>(req.Rating, ignoreCase: true, out var r) || r == ClueRating.Unrated)
                return Problems.BadRequest("clue.rating_required", "请选择满意、基本满意或不满意");
            rating = r;
        }
        if (string.IsNullOrWhiteSpace(req.IdempotencyKey))
            return Problems.BadRequest("request.idempotency_key", "请求缺少防重复提交标识，请刷新后重试");
        var photos = req.Photos ?? [];
        if (photos.Any(p => !LocalPhotoStore.IsKey(p)))
            return Problems.BadRequest("photo.key_invalid", "照片编号不正确，请先上传照片");
        if (!await uploads.MayAttachAsync(photos, user.UserId(), PhotoOwner.Clue(id), ct)) return PhotosApi.NotYours();
        var outcome = await clues.ApplyAsync(new ClueCommand
        {
            ClueId = id, Action = action, Version = req.Version, IdempotencyKey = req.IdempotencyKey, Actor = ActorRef.User(user.UserId()),
            Note = req.Note, Attachments = photos, TargetUserId = req.TargetUserId, TargetItemNo = req.TargetItemNo,
            SupervisionDueAt = ChinaTime.ToUtc(req.SupervisionDueAt), NewDueAt = ChinaTime.ToUtc(req.NewDueAt), Rating = rating,
        }, ct);
        return outcome.ToHttpResult(o => TypedResults.Ok(new ActionResponse(o.ClueId, o.Number!, o.State!.Value.ToString(), o.State.Value.Zh(),
            o.Version!.Value, o.Message, o.Repeat)));
    }

    /// <summary>Whom I may reassign the clue to now (the other staff of its unit); 404 when I may not reassign it.</summary>
    public static async Task<IResult> ReassignTargetsAsync(long id, ClaimsPrincipal user, ClueService clues, CancellationToken ct) =>
        await clues.ReassignTargetsAsync(id, user.UserId(), ct) is { } people
            ? TypedResults.Ok(people.Select(p => new PersonRef(p.Id, p.Name)).ToList())
            : Problems.NotFound("线索不存在，或您现在不能转派");

    private static bool TryDecimal(string raw, decimal min, decimal max, out decimal? value)
    {
        value = null;
        if (string.IsNullOrEmpty(raw)) return true;
        if (!decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d < min || d > max) return false;
        value = Math.Round(d, 6);
        return true;
    }
}
