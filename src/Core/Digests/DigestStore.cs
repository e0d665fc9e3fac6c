using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Digests;

/// <summary>A work-group chat and its school.</summary>
public sealed record DigestChat(long SchoolId, string SchoolName, string ChatId);

/// <summary>A school's counts for its daily digest.</summary>
public sealed record SchoolDigestCounts
{
    public long SchoolId { get; init; }
    public long New { get; init; }
    public long Open { get; init; }
    public long Overdue { get; init; }
    public long AwaitingConfirmation { get; init; }
    /// <summary>Resolved, the reporter's rating (回访) still open.</summary>
    public long AwaitingRating { get; init; }

    public bool IsEmpty => New == 0 && Open == 0 && Overdue == 0;
}

/// <summary>An overdue or supervised open clue as a digest lists it (no description, no person).</summary>
public sealed record DigestClue
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public long SchoolId { get; init; }
    public string SchoolName { get; init; } = "";
    public string ItemLabel { get; init; } = "";
    public string? UnitName { get; init; }
    public DateTime? DueAt { get; init; }
    public bool Supervised { get; init; }
    public DateTime? SupervisionDueAt { get; init; }
}

/// <summary>Open and overdue counts of one town or line.</summary>
public sealed record DigestTotal(string Name, long Open, long Overdue);

/// <summary>What the district digest shows beside its lists.</summary>
public sealed record DistrictFigures
{
    public long ReportedThisYear { get; init; }
    public long ResolvedThisYear { get; init; }
    /// <summary>Rated this year 满意 or 基本满意, and rated at all (未评价 is not a rating).</summary>
    public long Satisfied { get; init; }
    public long Rated { get; init; }
    public long SchoolsGuided { get; init; }
    public long ActiveSchools { get; init; }
}

/// <summary>All SQL of the digests: the chats, the counts and lists they show, and the record of what was queued.</summary>
public sealed class DigestStore
{
    private const string Open = "c.state NOT IN ('Resolved', 'Withdrawn')";

    private const string ChatsSql = $"""
        SELECT g.school_id AS {nameof(DigestChat.SchoolId)}, s.name AS {nameof(DigestChat.SchoolName)}, g.open_conversation_id AS {nameof(DigestChat.ChatId)}
          FROM work_groups g
          JOIN schools s ON s.id = g.school_id AND s.active = 1
         WHERE g.open_conversation_id IS NOT NULL
         ORDER BY g.school_id
        """;

    public async Task<IReadOnlyList<DigestChat>> ChatsAsync(MySqlConnection conn, CancellationToken ct) =>
        (await conn.QueryAsync<DigestChat>(new CommandDefinition(ChatsSql, cancellationToken: ct))).AsList();

    // Three disjoint index-friendly parts: the open clues (state), the closed ones reported since the last digest
    // (created_at), and the older resolved ones still awaiting a rating (ix_clues_rating_due). An OR of the last two read
    // every closed clue of the province.
    private const string AwaitingRating = "c.state = 'Resolved' AND c.rating IS NULL AND c.rating_due_at > @Now";

    private const string SchoolCountsSql = $"""
        SELECT school_id AS {nameof(SchoolDigestCounts.SchoolId)},
               CAST(SUM(is_new) AS SIGNED) AS {nameof(SchoolDigestCounts.New)},
               CAST(SUM(is_open) AS SIGNED) AS {nameof(SchoolDigestCounts.Open)},
               CAST(SUM(is_overdue) AS SIGNED) AS {nameof(SchoolDigestCounts.Overdue)},
               CAST(SUM(is_confirming) AS SIGNED) AS {nameof(SchoolDigestCounts.AwaitingConfirmation)},
               CAST(SUM(is_rating) AS SIGNED) AS {nameof(SchoolDigestCounts.AwaitingRating)}
          FROM (SELECT c.school_id, c.created_at >= @Since AS is_new, 1 AS is_open, c.due_at < @Now AS is_overdue,
                       c.state = 'PendingConfirmation' AS is_confirming, 0 AS is_rating
                  FROM clues c
                 WHERE {Open}
                UNION ALL
                SELECT c.school_id, 1, 0, 0, 0, {AwaitingRating}
                  FROM clues c
                 WHERE c.created_at >= @Since AND NOT ({Open})
                UNION ALL
                SELECT c.school_id, 0, 0, 0, 0, 1
                  FROM clues c
                 WHERE {AwaitingRating} AND c.created_at < @Since) x
         GROUP BY school_id
        """;

    public async Task<IReadOnlyDictionary<long, SchoolDigestCounts>> SchoolCountsAsync(MySqlConnection conn, DateTime sinceUtc, DateTime nowUtc, CancellationToken ct) =>
        (await conn.QueryAsync<SchoolDigestCounts>(new CommandDefinition(SchoolCountsSql, new { Since = sinceUtc, Now = nowUtc }, cancellationToken: ct)))
            .ToDictionary(c => c.SchoolId);

    private const string FlaggedSql = $"""
        SELECT c.id AS {nameof(DigestClue.Id)}, c.number AS {nameof(DigestClue.Number)}, c.school_id AS {nameof(DigestClue.SchoolId)},
               s.name AS {nameof(DigestClue.SchoolName)}, w.label AS {nameof(DigestClue.ItemLabel)}, u.name AS {nameof(DigestClue.UnitName)},
               c.due_at AS {nameof(DigestClue.DueAt)}, c.supervised AS {nameof(DigestClue.Supervised)},
               c.supervision_due_at AS {nameof(DigestClue.SupervisionDueAt)}
          FROM clues c
          JOIN schools s ON s.id = c.school_id
          JOIN worklist_items w ON w.no = c.item_no
          LEFT JOIN units u ON u.id = c.unit_id
         WHERE {Open}
           AND (c.due_at < @Now OR c.supervised = 1)
         ORDER BY c.due_at, c.id
        """;

    /// <summary>Open clues that are overdue or supervised, oldest deadline first.</summary>
    public async Task<IReadOnlyList<DigestClue>> FlaggedAsync(MySqlConnection conn, DateTime nowUtc, CancellationToken ct) =>
        (await conn.QueryAsync<DigestClue>(new CommandDefinition(FlaggedSql, new { Now = nowUtc }, cancellationToken: ct))).AsList();

    private const string TotalsSql = $"""
        SELECT r.name AS Name, CAST(COUNT(*) AS SIGNED) AS Open, CAST(COALESCE(SUM(c.due_at < @Now), 0) AS SIGNED) AS Overdue
          FROM clues c JOIN regions r ON r.id = c.town_id
         WHERE {Open}
         GROUP BY r.id, r.name
         ORDER BY r.id;
        SELECT COALESCE(l.short_zh, l.name_zh) AS Name, CAST(COUNT(*) AS SIGNED) AS Open, CAST(COALESCE(SUM(c.due_at < @Now), 0) AS SIGNED) AS Overdue
          FROM clues c JOIN org_lines l ON l.code = c.line_code
         WHERE {Open}
         GROUP BY l.code, l.short_zh, l.name_zh
         ORDER BY l.code;
        SELECT CAST(COUNT(*) AS SIGNED) AS {nameof(DistrictFigures.ReportedThisYear)},
               CAST(COALESCE(SUM(c.state = 'Resolved'), 0) AS SIGNED) AS {nameof(DistrictFigures.ResolvedThisYear)},
               CAST(COALESCE(SUM(c.rating IN ('Satisfied', 'Basic')), 0) AS SIGNED) AS {nameof(DistrictFigures.Satisfied)},
               CAST(COALESCE(SUM(c.rating IN ('Satisfied', 'Basic', 'Unsatisfied')), 0) AS SIGNED) AS {nameof(DistrictFigures.Rated)},
               (SELECT COUNT(DISTINCT r.school_id) FROM guidance_records r WHERE r.visit_date >= @GuidedSince) AS {nameof(DistrictFigures.SchoolsGuided)},
               (SELECT COUNT(*) FROM schools WHERE active = 1) AS {nameof(DistrictFigures.ActiveSchools)}
          FROM clues c
         WHERE c.created_at >= @YearStart AND c.state <> 'Withdrawn';
        """;

    /// <summary>Open and overdue per town and per line, this year's reported and resolved, and guidance coverage since <paramref name="guidedSince"/>.</summary>
    public async Task<(IReadOnlyList<DigestTotal> Towns, IReadOnlyList<DigestTotal> Lines, DistrictFigures Figures)> DistrictAsync(
        MySqlConnection conn, DateTime nowUtc, DateTime yearStartUtc, DateOnly guidedSince, CancellationToken ct)
    {
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(TotalsSql,
            new { Now = nowUtc, YearStart = yearStartUtc, GuidedSince = guidedSince.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
        var towns = (await r.ReadAsync<DigestTotal>()).AsList();
        var lines = (await r.ReadAsync<DigestTotal>()).AsList();
        var figures = await r.ReadSingleAsync<DistrictFigures>();
        return (towns, lines, figures);
    }

    private const string RecordSql = """
        INSERT IGNORE INTO digest_sends (chat_id, day, kind, run_id, queued_at)
        VALUES
        """;

    private const string RecordedByRunSql = "SELECT chat_id FROM digest_sends WHERE run_id = @RunId";

    /// <summary>
    /// Records each chat's digest for the day under its unique key (chat, day) in the caller's transaction; returns the chats
    /// this run recorded (a chat another run holds is left to it), whose digests the caller then queues in the same transaction.
    /// </summary>
    public async Task<HashSet<string>> RecordAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<(string ChatId, string Kind)> chats,
        DateOnly day, string runId, DateTime nowUtc, CancellationToken ct)
    {
        var inserted = 0;
        foreach (var chunk in chats.Chunk(500))
        {
            var args = new DynamicParameters(new { Day = day.ToDateTime(TimeOnly.MinValue), RunId = runId, Now = nowUtc });
            var values = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                args.Add($"C{i}", chunk[i].ChatId);
                args.Add($"K{i}", chunk[i].Kind);
                values.Add($"(@C{i}, @Day, @K{i}, @RunId, @Now)");
            }
            inserted += await conn.ExecuteAsync(new CommandDefinition(RecordSql + string.Join(", ", values), args, tx, cancellationToken: ct));
        }
        // Every row went in (the usual case): all are this run's, and nothing needs reading back.
        if (inserted == chats.Count) return chats.Select(c => c.ChatId).ToHashSet(StringComparer.Ordinal);
        return (await conn.QueryAsync<string>(new CommandDefinition(RecordedByRunSql, new { RunId = runId }, tx, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
    }

    private const string SettingSql = "SELECT value FROM app_settings WHERE name = @Name";

    private const string SetSettingSql = """
        INSERT INTO app_settings (name, value, updated_at) VALUES (@Name, @Value, @Now)
        ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)
        """;

    private const string ClearSettingSql = "DELETE FROM app_settings WHERE name = @Name";

    public Task<string?> SettingAsync(MySqlConnection conn, string name, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(SettingSql, new { Name = name }, cancellationToken: ct));

    public Task<int> SetSettingAsync(MySqlConnection conn, string name, string? value, DateTime nowUtc, CancellationToken ct) =>
        value is null
            ? conn.ExecuteAsync(new CommandDefinition(ClearSettingSql, new { Name = name }, cancellationToken: ct))
            : conn.ExecuteAsync(new CommandDefinition(SetSettingSql, new { Name = name, Value = value, Now = nowUtc }, cancellationToken: ct));
}
