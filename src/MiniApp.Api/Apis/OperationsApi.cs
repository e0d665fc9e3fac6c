using System.Security.Claims;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Reminders;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record DistrictChatRequest(string? OpenConversationId);

public sealed record DistrictChatResponse(string? OpenConversationId);

public sealed record GuidanceWindowsRequest(IReadOnlyList<GuidanceWindowInput>? Windows);

public sealed record GuidanceWindowResponse(int Seq, string Name, DateOnly StartsOn, DateOnly EndsOn);

/// <summary>
/// The Bot's side as the EDU admin runs it: the DingTalk usage against the month's budget, who DingTalk to-dos cannot reach, the district task force chat,
/// "send today's digest for this chat now", and the year's guidance windows.
/// </summary>
public static class OperationsApi
{
    public static RouteGroupBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin").WithTags("Operations").RequireAuthorization();
        api.MapGet("/dingtalk-usage", UsageAsync);
        api.MapGet("/todos/reach", TodoReachAsync);
        api.MapGet("/digests/district-chat", DistrictChatAsync);
        api.MapPut("/digests/district-chat", SetDistrictChatAsync);
        api.MapPost("/digests/{chatId}/send-now", SendDigestNowAsync);
        api.MapGet("/guidance-windows/{year:int}", GuidanceWindowsAsync);
        api.MapPut("/guidance-windows/{year:int}", SetGuidanceWindowsAsync);
        return api;
    }

    public static async Task<IResult> UsageAsync(string? month, ClaimsPrincipal user, OperationsAdmin ops, CancellationToken ct) =>
        (await ops.UsageAsync(user.UserId(), string.IsNullOrWhiteSpace(month) ? null : month, ct)).ToHttp(r => TypedResults.Ok<UsageReport>(r));

    public static async Task<IResult> TodoReachAsync(ClaimsPrincipal user, OperationsAdmin ops, CancellationToken ct) =>
        (await ops.TodoReachAsync(user.UserId(), ct)).ToHttp(r => TypedResults.Ok(r));

    public static async Task<IResult> DistrictChatAsync(ClaimsPrincipal user, OperationsAdmin ops, CancellationToken ct) =>
        (await ops.DistrictChatAsync(user.UserId(), ct)).ToHttp(id => TypedResults.Ok(new DistrictChatResponse(id)));

    public static async Task<IResult> SetDistrictChatAsync(DistrictChatRequest req, ClaimsPrincipal user, OperationsAdmin ops, CancellationToken ct) =>
        (await ops.SetDistrictChatAsync(user.UserId(), req.OpenConversationId, ct)).ToHttp(_ => TypedResults.NoContent());

    public static async Task<IResult> SendDigestNowAsync(string chatId, ClaimsPrincipal user, OperationsAdmin ops, CancellationToken ct) =>
        (await ops.SendDigestNowAsync(user.UserId(), chatId, ct)).ToHttp(_ => TypedResults.Accepted((string?)null));

    public static async Task<IResult> GuidanceWindowsAsync(int year, ClaimsPrincipal user, OperationsAdmin ops, CancellationToken ct) =>
        (await ops.GuidanceWindowsAsync(user.UserId(), year, ct)).ToHttp(rows => TypedResults.Ok(rows.Select(w =>
            new GuidanceWindowResponse(w.Seq, w.Name, DateOnly.FromDateTime(w.StartsOn), DateOnly.FromDateTime(w.EndsOn))).ToList()));

    public static async Task<IResult> SetGuidanceWindowsAsync(int year, GuidanceWindowsRequest req, ClaimsPrincipal user, OperationsAdmin ops, CancellationToken ct) =>
        (await ops.SetGuidanceWindowsAsync(user.UserId(), year, req.Windows ?? [], ct)).ToHttp(_ => TypedResults.NoContent());
}
