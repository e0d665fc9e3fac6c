using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.DingTalk;

/// <summary>A call as the <c>dingtalk_calls</c> table keeps it (docs/cards.md, "The recording"); <see cref="Body"/> is the exact JSON text.</summary>
public sealed record StoredDingTalkCall
{
    public long Id { get; init; }
    public DateTime RecordedAt { get; init; }
    public string Method { get; init; } = "";
    public string Api { get; init; } = "";
    public string HttpMethod { get; init; } = "";
    public string BaseUrl { get; init; } = "";
    public string Path { get; init; } = "";
    public string Target { get; init; } = "";
    public string Body { get; init; } = "";
}

/// <summary>All SQL of the offline recording: the recorder appends, the simulator reads in order.</summary>
public sealed class DingTalkCallStore(MySqlDataSource db, Microsoft.Extensions.Options.IOptions<DingTalkOptions> options)
{
    private const string InsertSql = """
        INSERT INTO dingtalk_calls (recorded_at, method, api, http_method, base_url, path, target, body)
        VALUES (@RecordedAt, @Method, @Api, @HttpMethod, @BaseUrl, @Path, @Target, @Body);
        SELECT LAST_INSERT_ID();
        """;

    private const string ListSql = $"""
        SELECT id AS {nameof(StoredDingTalkCall.Id)}, recorded_at AS {nameof(StoredDingTalkCall.RecordedAt)}, method AS {nameof(StoredDingTalkCall.Method)},
               api AS {nameof(StoredDingTalkCall.Api)}, http_method AS {nameof(StoredDingTalkCall.HttpMethod)}, base_url AS {nameof(StoredDingTalkCall.BaseUrl)},
               path AS {nameof(StoredDingTalkCall.Path)}, target AS {nameof(StoredDingTalkCall.Target)}, body AS {nameof(StoredDingTalkCall.Body)}
          FROM dingtalk_calls
         WHERE id > @AfterId
         ORDER BY id
         LIMIT @Limit
        """;

    /// <summary>Appends one call; returns its id (the order across every host).</summary>
    public async Task<long> AddAsync(RecordedDingTalkCall call, DingTalkRequest request, string body, CancellationToken ct)
    {
        var o = options.Value;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, new
        {
            RecordedAt = call.At.UtcDateTime,
            call.Method,
            request.Api,
            HttpMethod = request.Method.Method,
            BaseUrl = request.Family == DingTalkApiFamily.New ? o.ApiBaseUrl : o.LegacyBaseUrl,
            Path = request.PathAndQuery,
            request.Target,
            Body = body,
        }, cancellationToken: ct));
    }

    /// <summary>The calls after <paramref name="afterId"/> in the order they were made, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<StoredDingTalkCall>> ListAsync(long afterId, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<StoredDingTalkCall>(new CommandDefinition(ListSql,
            new { AfterId = afterId, Limit = Math.Clamp(limit, 1, 1000) }, cancellationToken: ct))).AsList();
    }

    private const string CardCreatedSql = """
        SELECT EXISTS (SELECT 1 FROM dingtalk_calls WHERE api = 'card.instances.createAndDeliver' AND target = @OutTrackId)
        """;

    /// <summary>True when a card with this outTrackId was created (the recorder refuses a second create, as DingTalk does).</summary>
    public async Task<bool> CardCreatedAsync(string outTrackId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(CardCreatedSql, new { OutTrackId = outTrackId }, cancellationToken: ct));
    }

    private const string RangeSql = "SELECT COALESCE(MIN(id), 0) AS First, COALESCE(MAX(id), 0) AS Last FROM dingtalk_calls";

    /// <summary>The oldest and the newest call's id (0 for none): a reader whose first call is gone knows the table was emptied since.</summary>
    public async Task<(long First, long Last)> RangeAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleAsync<(long First, long Last)>(new CommandDefinition(RangeSql, cancellationToken: ct));
    }
}
