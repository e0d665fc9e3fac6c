using System.Security.Claims;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Exchange;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

public sealed record CreateApiKeyRequest(string? LineCode, string? Name, DateTime? ExpiresAt);

public sealed record CreateWebhookRequest(string? LineCode, string? Url, IReadOnlyList<string>? Events);

/// <summary>
/// Data exchange (docs/four-platforms.md, "Data exchange"): the EDU admin's keys and webhooks under
/// <c>/api/admin/exchange</c>, and the read API other departments' systems call with a key under <c>/exchange/v1</c>.
/// </summary>
public static class ExchangeApi
{
    public const string KeyHeader = "X-Api-Key";

    public static IEndpointRouteBuilder MapExchangeApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/exchange").WithTags("Exchange").RequireAuthorization();
        admin.MapPost("/keys", async (CreateApiKeyRequest req, ClaimsPrincipal user, ExchangeService x, CancellationToken ct) =>
            (await x.CreateKeyAsync(user.UserId(), req.LineCode, req.Name, req.ExpiresAt, ct)).ToHttp(k => TypedResults.Created($"/api/admin/exchange/keys/{k.Id}", k)));
        admin.MapGet("/keys", async (ClaimsPrincipal user, ExchangeService x, CancellationToken ct) =>
            (await x.KeysAsync(user.UserId(), ct)).ToHttp(rows => TypedResults.Ok(rows)));
        admin.MapPost("/keys/{id:long}/revoke", async (long id, ClaimsPrincipal user, ExchangeService x, CancellationToken ct) =>
            (await x.RevokeKeyAsync(user.UserId(), id, ct)).ToHttp(i => TypedResults.Ok(new IdResponse(i))));
        admin.MapPost("/webhooks", async (CreateWebhookRequest req, ClaimsPrincipal user, ExchangeService x, CancellationToken ct) =>
            (await x.CreateWebhookAsync(user.UserId(), req.LineCode, req.Url, req.Events, ct)).ToHttp(w => TypedResults.Created($"/api/admin/exchange/webhooks/{w.Id}", w)));
        admin.MapGet("/webhooks", async (ClaimsPrincipal user, ExchangeService x, CancellationToken ct) =>
            (await x.WebhooksAsync(user.UserId(), ct)).ToHttp(rows => TypedResults.Ok(rows.Select(w => new { w.Id, w.LineCode, w.Url, w.EventKinds, w.CreatedAt, w.DisabledAt }))));
        admin.MapPost("/webhooks/{id:long}/disable", async (long id, ClaimsPrincipal user, ExchangeService x, CancellationToken ct) =>
            (await x.DisableWebhookAsync(user.UserId(), id, ct)).ToHttp(i => TypedResults.Ok(new IdResponse(i))));
        admin.MapGet("/webhooks/{id:long}/attempts", async (long id, ClaimsPrincipal user, ExchangeService x, CancellationToken ct) =>
            (await x.AttemptsAsync(user.UserId(), id, ct)).ToHttp(rows => TypedResults.Ok(rows)));

        var read = app.MapGroup("/exchange/v1").WithTags("Exchange").AllowAnonymous();
        read.MapGet("/clues", ListAsync);
        read.MapGet("/clues/{number}", async (string number, HttpRequest request, ExchangeService x, CancellationToken ct) =>
            await WithKeyAsync(request, x, ct, async key => (await x.ClueAsync(key, number, "clue", ct)).ToHttp(c => TypedResults.Ok(ExchangeJson.Clue(c)))));
        read.MapGet("/clues/{number}/timeline", async (string number, HttpRequest request, ExchangeService x, CancellationToken ct) =>
            await WithKeyAsync(request, x, ct, async key => (await x.TimelineAsync(key, number, ct))
                .ToHttp(t => TypedResults.Ok(new { clue = ExchangeJson.Clue(t.Clue), events = t.Events.Select(ExchangeJson.Event) }))));
        return app;
    }

    public static Task<IResult> ListAsync(HttpRequest request, ExchangeService x, DateTimeOffset? updatedSince, string? cursor, int? limit, string? state, CancellationToken ct) =>
        WithKeyAsync(request, x, ct, async key =>
        {
            List<ClueState>? states = null;
            if (!string.IsNullOrWhiteSpace(state))
            {
                states = [];
                foreach (var s in state.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!Enum.TryParse<ClueState>(s, true, out var parsed)) return Problems.BadRequest("exchange.state", $"未知的状态：{s}");
                    states.Add(parsed);
                }
            }
            return (await x.CluesAsync(key, updatedSince?.UtcDateTime, cursor, limit, states, "clues", ct))
                .ToHttp(page => TypedResults.Ok(new { items = page.Items.Select(ExchangeJson.Clue), next = page.Next }));
        });

    /// <summary>Runs <paramref name="handle"/> with the request's active key (header <c>X-Api-Key</c>, or <c>api_key</c> as GeoReport clients send it); 401 otherwise.</summary>
    public static async Task<IResult> WithKeyAsync(HttpRequest request, ExchangeService x, CancellationToken ct, Func<ApiKeyRow, Task<IResult>> handle)
    {
        var presented = request.Headers[KeyHeader].FirstOrDefault() ?? request.Query["api_key"].FirstOrDefault();
        if (await x.AuthenticateAsync(presented, ct) is not { } key)
            return Problems.Of(StatusCodes.Status401Unauthorized, "exchange.key_invalid", "接口密钥无效、已吊销或已过期");
        return await handle(key);
    }
}
