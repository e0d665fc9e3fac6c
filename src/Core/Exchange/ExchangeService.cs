using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MySqlConnector;
using SchoolSafety.Core.Administration;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Exchange;

public sealed record CreatedKey(long Id, string Key, string Prefix, string LineCode, DateTime ExpiresAt);

public sealed record CreatedWebhook(long Id, string Secret);

/// <summary>One page of a line's clues, and the cursor of the next (null at the end).</summary>
public sealed record CluePage(IReadOnlyList<ExchangeClue> Items, string? Next);

/// <summary>
/// Data exchange with other departments' systems (domain.md §7): API keys per line that the EDU admin creates (shown
/// once, stored as a SHA-256 hash, revocable, with an expiry), read-only access to that line's clues and timelines, every
/// read audited by key; and webhooks per line and event kind, delivered through the outbox (<see cref="WebhookRenderer"/>).
/// </summary>
public sealed class ExchangeService(MySqlDataSource db, ExchangeStore store, OrganisationStore org, TimeProvider clock)
{
    public const string KeyPrefix = "xak_";
    public const int MaxPageSize = 200;
    public static readonly TimeSpan MaxKeyLifetime = TimeSpan.FromDays(366);
    private static readonly Failure AdminOnly = Failure.Forbidden("仅区教育局管理员可以管理数据交换");

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Trim())));

    // ---------------------------------------------------------------- admin: keys

    public async Task<Outcome<CreatedKey>> CreateKeyAsync(long actorId, string? lineCode, string? name, DateTime? expiresAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100) return Failure.Invalid("exchange.key_name", "请填写使用该密钥的系统名称（100 字以内）");
        if (expiresAt is not { } exp || exp <= now || exp - now > MaxKeyLifetime)
            return Failure.Invalid("exchange.key_expiry", "请设置晚于现在、一年以内的有效期");
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!(await org.ActorAsync(conn, actorId, ct)).IsEduAdmin) return AdminOnly;
        if (string.IsNullOrWhiteSpace(lineCode) || !await org.LineExistsAsync(conn, lineCode.Trim(), ct))
            return Failure.Invalid("exchange.line_unknown", "条线不存在");
        var key = KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var prefix = key[..12];
        var utc = DateTime.SpecifyKind(exp, DateTimeKind.Utc);
        var id = await store.InsertKeyAsync(conn, lineCode.Trim(), name.Trim(), prefix, Hash(key), actorId, utc, ct);
        return new CreatedKey(id, key, prefix, lineCode.Trim(), utc);
    }

    public async Task<Outcome<IReadOnlyList<ApiKeyRow>>> KeysAsync(long actorId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!(await org.ActorAsync(conn, actorId, ct)).IsEduAdmin) return AdminOnly;
        return Outcome.Of(await store.KeysAsync(conn, ct));
    }

    public async Task<Outcome<long>> RevokeKeyAsync(long actorId, long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!(await org.ActorAsync(conn, actorId, ct)).IsEduAdmin) return AdminOnly;
        return await store.RevokeKeyAsync(conn, id, ct) ? id : Failure.NotFound("exchange.key_not_found", "密钥不存在或已吊销");
    }

    // ---------------------------------------------------------------- admin: webhooks

    public async Task<Outcome<CreatedWebhook>> CreateWebhookAsync(long actorId, string? lineCode, string? url, IReadOnlyList<string>? kinds, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("https" or "http") || url!.Length > 500)
            return Failure.Invalid("exchange.webhook_url", "请填写有效的网络地址");
        var known = Enum.GetValues<ClueAction>().Select(Kind).ToHashSet(StringComparer.Ordinal);
        var list = (kinds ?? []).Select(k => k.Trim().ToLowerInvariant()).Where(k => k.Length > 0).Distinct().ToList();
        if (list.Count == 0 || list.Any(k => k != "*" && !known.Contains(k)))
            return Failure.Invalid("exchange.webhook_events", $"请选择事件类型：* 或 {string.Join("、", known.Order())}");
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!(await org.ActorAsync(conn, actorId, ct)).IsEduAdmin) return AdminOnly;
        if (string.IsNullOrWhiteSpace(lineCode) || !await org.LineExistsAsync(conn, lineCode.Trim(), ct))
            return Failure.Invalid("exchange.line_unknown", "条线不存在");
        var secret = "whs_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var id = await store.InsertWebhookAsync(conn, lineCode.Trim(), url, list.Contains("*") ? "*" : string.Join(',', list), secret, actorId, ct);
        return new CreatedWebhook(id, secret);
    }

    public async Task<Outcome<IReadOnlyList<WebhookRow>>> WebhooksAsync(long actorId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!(await org.ActorAsync(conn, actorId, ct)).IsEduAdmin) return AdminOnly;
        return Outcome.Of(await store.WebhooksAsync(conn, ct));
    }

    public async Task<Outcome<long>> DisableWebhookAsync(long actorId, long id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!(await org.ActorAsync(conn, actorId, ct)).IsEduAdmin) return AdminOnly;
        return await store.DisableWebhookAsync(conn, id, ct) ? id : Failure.NotFound("exchange.webhook_not_found", "回调地址不存在或已停用");
    }

    public async Task<Outcome<IReadOnlyList<WebhookAttemptRow>>> AttemptsAsync(long actorId, long webhookId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!(await org.ActorAsync(conn, actorId, ct)).IsEduAdmin) return AdminOnly;
        return Outcome.Of(await store.AttemptsAsync(conn, webhookId, ct));
    }

    /// <summary>A clue action as a webhook event kind, as the action outcomes' codes name it: <c>report</c>, <c>grid_result</c>, <c>request_extension</c>, ….</summary>
    public static string Kind(ClueAction a) =>
        string.Concat(a.ToString().Select((ch, i) => char.IsUpper(ch) && i > 0 ? "_" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));

    // ---------------------------------------------------------------- reads by key

    /// <summary>The key presented, if it is active; null otherwise (unknown, revoked, expired are not told apart).</summary>
    public async Task<ApiKeyRow?> AuthenticateAsync(string? presented, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(presented) || !presented.Trim().StartsWith(KeyPrefix, StringComparison.Ordinal)) return null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await store.ActiveKeyAsync(conn, Hash(presented), ct);
    }

    public async Task<Outcome<CluePage>> CluesAsync(ApiKeyRow key, DateTime? updatedSince, string? cursor, int? limit, IReadOnlyList<ClueState>? states, string resource, CancellationToken ct)
    {
        var size = limit ?? 50;
        if (size is < 1 or > MaxPageSize) return Failure.Invalid("exchange.limit", $"每页条数应在 1 到 {MaxPageSize} 之间");
        var (since, afterId) = (updatedSince is { } s ? DateTime.SpecifyKind(s.ToUniversalTime(), DateTimeKind.Utc) : DateTime.MinValue, 0L);
        if (cursor is { Length: > 0 })
        {
            if (Cursor.Parse(cursor) is not { } c) return Failure.Invalid("exchange.cursor", "翻页位置无效");
            (since, afterId) = c;
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await store.CluesAsync(conn, key.LineCode, since, afterId, states, size + 1, ct);
        var page = rows.Take(size).ToList();
        var next = rows.Count > size ? Cursor.Of(page[^1].UpdatedAt, page[^1].Id) : null;
        await store.RecordReadAsync(conn, key.Id, resource, $"since={since:O} after={afterId} n={page.Count}", page.Count, ct);
        return new CluePage(page, next);
    }

    public async Task<Outcome<(ExchangeClue Clue, IReadOnlyList<ExchangeStore.TimelineEntry> Events)>> TimelineAsync(ApiKeyRow key, string number, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // A clue of another line is "not found", exactly like one that does not exist.
        if (await store.ClueAsync(conn, key.LineCode, number.Trim(), ct) is not { } clue)
            return Failure.NotFound("exchange.clue_not_found", "线索不存在");
        var events = await store.TimelineAsync(conn, clue.Id, ct);
        await store.RecordReadAsync(conn, key.Id, "timeline", clue.Number, events.Count, ct);
        return (clue, events);
    }

    public async Task<Outcome<ExchangeClue>> ClueAsync(ApiKeyRow key, string number, string resource, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await store.ClueAsync(conn, key.LineCode, number.Trim(), ct) is not { } clue)
            return Failure.NotFound("exchange.clue_not_found", "线索不存在");
        await store.RecordReadAsync(conn, key.Id, resource, clue.Number, 1, ct);
        return clue;
    }

    // ---------------------------------------------------------------- Open311

    public async Task<IReadOnlyList<ExchangeStore.ServiceRow>> ServicesAsync(ApiKeyRow key, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await store.ServicesAsync(conn, key.LineCode, ct);
        await store.RecordReadAsync(conn, key.Id, "open311.services", null, rows.Count, ct);
        return rows;
    }

    public const int MaxOpen311Requests = 1000;
    public static readonly TimeSpan DefaultOpen311Period = TimeSpan.FromDays(90);

    /// <summary>GeoReport's GET requests: by default the last 90 days, at most 1000, newest first.</summary>
    public async Task<Outcome<IReadOnlyList<ExchangeClue>>> RequestsAsync(ApiKeyRow key, IReadOnlyList<string>? numbers, string? serviceCode,
        string? status, DateTimeOffset? start, DateTimeOffset? end, CancellationToken ct)
    {
        int? item = null;
        if (!string.IsNullOrWhiteSpace(serviceCode))
        {
            if (!int.TryParse(serviceCode, NumberStyles.None, CultureInfo.InvariantCulture, out var no)) return Failure.Invalid("open311.service_code", "服务类别代码无效");
            item = no;
        }
        bool? open = status?.Trim().ToLowerInvariant() switch
        {
            null or "" => null,
            "open" => true,
            "closed" => false,
            _ => (bool?)null,
        };
        if (open is null && !string.IsNullOrWhiteSpace(status)) return Failure.Invalid("open311.status", "状态只能是未办结或已办结");
        var to = (end ?? clock.GetUtcNow()).UtcDateTime;
        var from = (start ?? (end ?? clock.GetUtcNow()) - DefaultOpen311Period).UtcDateTime;
        if (from > to) return Failure.Invalid("open311.period", "开始日期不能晚于结束日期");
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await store.RequestsAsync(conn, key.LineCode, new ExchangeStore.RequestFilter(numbers, item, open, from, to, MaxOpen311Requests), ct);
        await store.RecordReadAsync(conn, key.Id, "open311.requests", numbers is { Count: > 0 } ? string.Join(',', numbers) : $"{from:O}..{to:O}", rows.Count, ct);
        return Outcome.Of(rows);
    }

    /// <summary>The keyset cursor: the last row's (updated_at, id), opaque to clients.</summary>
    public static class Cursor
    {
        public static string Of(DateTime updatedAt, long id) =>
            Convert.ToBase64String(Encoding.ASCII.GetBytes($"{updatedAt.Ticks.ToString(CultureInfo.InvariantCulture)}:{id.ToString(CultureInfo.InvariantCulture)}"))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static (DateTime, long)? Parse(string cursor)
        {
            try
            {
                var b64 = cursor.Replace('-', '+').Replace('_', '/');
                b64 += new string('=', (4 - b64.Length % 4) % 4);
                var parts = Encoding.ASCII.GetString(Convert.FromBase64String(b64)).Split(':');
                return parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var id)
                    && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks
                    ? (new DateTime(ticks, DateTimeKind.Utc), id) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
