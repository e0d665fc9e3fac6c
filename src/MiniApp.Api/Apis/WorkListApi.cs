using System.Security.Claims;
using SchoolSafety.Core.WorkList;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record WorkListTaskResponse(long Id, int Seq, string Text, string Due, bool Ongoing, bool Overdue, bool Done,
    int ProgressEntries, decimal? ProgressTotal, DateOnly? LastProgressDate);

public sealed record WorkListItemResponse(int No, string Label, string Duty, string OwnerLine, string OwnerName, bool Hazard, IReadOnlyList<WorkListTaskResponse> Tasks);

public sealed record OverdueTaskResponse(long Id, int ItemNo, int Seq, string Text, string Due, string OwnerLine);

public sealed record ReportProgressRequest(decimal? Amount, string? Text, DateOnly? Date, bool Done = false);

public sealed record ProgressResponse(long Id, long UnitId, string UnitName, string ReporterName, decimal? Amount, string? Text, DateOnly Date, bool Done, DateTime CreatedAt);

/// <summary>The work list (工作清单): its 22 rows with tasks, progress by the owning departments, overdue tasks for the district.</summary>
public static class WorkListApi
{
    public static RouteGroupBuilder MapWorkListApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/worklist").WithTags("WorkList").RequireAuthorization();
        api.MapGet("/", ListWorkListAsync);
        api.MapGet("/overdue", ListOverdueTasksAsync);
        api.MapGet("/tasks/{id:long}/progress", ListProgressAsync);
        api.MapPost("/tasks/{id:long}/progress", ReportProgressAsync);
        return api;
    }

    public static async Task<IResult> ListWorkListAsync(ClaimsPrincipal user, WorkListService worklist, CancellationToken ct) =>
        (await worklist.ListAsync(user.UserId(), ct)).ToHttp(items => TypedResults.Ok(items.Select(i => new WorkListItemResponse(
            i.Item.No, i.Item.Label, i.Item.DutyZh, i.Item.OwnerLine, i.Item.OwnerName, i.Item.Hazard,
            i.Tasks.Select(t => new WorkListTaskResponse(t.Task.Id, t.Task.Seq, t.Task.TextZh, t.Task.Due, t.Task.Due == WorkListDeadlines.Ongoing, t.Overdue,
                t.Progress?.Done ?? false, t.Progress?.Entries ?? 0, t.Progress?.TotalAmount,
                t.Progress?.LastDate is { } d ? DateOnly.FromDateTime(d) : null)).ToList())).ToList()));

    public static async Task<IResult> ListOverdueTasksAsync(ClaimsPrincipal user, WorkListService worklist, CancellationToken ct) =>
        (await worklist.OverdueAsync(user.UserId(), ct)).ToHttp(tasks => TypedResults.Ok(tasks.Select(t =>
            new OverdueTaskResponse(t.Task.Id, t.Task.ItemNo, t.Task.Seq, t.Task.TextZh, t.Task.Due, t.Task.OwnerLine)).ToList()));

    public static async Task<IResult> ListProgressAsync(long id, ClaimsPrincipal user, WorkListService worklist, CancellationToken ct) =>
        (await worklist.ProgressAsync(user.UserId(), id, ct)).ToHttp(rows => TypedResults.Ok(rows.Select(p => new ProgressResponse(
            p.Id, p.UnitId, p.UnitName, p.ReporterName, p.Amount, p.Text, DateOnly.FromDateTime(p.ProgressDate), p.Done, p.CreatedAt)).ToList()));

    public static async Task<IResult> ReportProgressAsync(long id, ReportProgressRequest req, ClaimsPrincipal user, WorkListService worklist, CancellationToken ct) =>
        (await worklist.ReportProgressAsync(user.UserId(), id, new ReportProgressCommand(req.Amount, req.Text, req.Date, req.Done), ct))
            .ToHttp(pid => TypedResults.Created($"/api/worklist/tasks/{id}/progress", new IdResponse(pid)));
}
