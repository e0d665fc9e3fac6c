using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Guidance;

public sealed record GuidanceRecordRow
{
    public long Id { get; init; }
    public long SchoolId { get; init; }
    public string SchoolName { get; init; } = "";
    public long UnitId { get; init; }
    public string UnitName { get; init; } = "";
    public GuidanceKind Kind { get; init; }
    public DateTime VisitDate { get; init; }
    public string Summary { get; init; } = "";
    public string Attendees { get; init; } = "";
    public string? Photos { get; init; }
    public long CreatorUserId { get; init; }
    public string CreatorName { get; init; } = "";
    public GuidanceState State { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? ClosedAt { get; init; }
}

public sealed record FindingRow
{
    public long Id { get; init; }
    public long RecordId { get; init; }
    public int Seq { get; init; }
    public string Description { get; init; } = "";
    public long? AssigneeSchoolId { get; init; }
    public long? AssigneeUnitId { get; init; }
    public string? AssigneeUnitName { get; init; }
    public DateTime Deadline { get; init; }
    public FindingState State { get; init; }
    public string? EvidenceNote { get; init; }
    public string? EvidencePhotos { get; init; }
    public long? SubmittedBy { get; init; }
    public DateTime? SubmittedAt { get; init; }
    public string? ReturnedReason { get; init; }
    public int ReturnCount { get; init; }
    public DateTime? ClosedAt { get; init; }
}

public sealed record GuidanceDetail(GuidanceRecordRow Record, IReadOnlyList<FindingRow> Findings);

/// <summary>Schools guided by one line's units in a period.</summary>
public sealed record CoverageRow
{
    public string LineCode { get; init; } = "";
    public string LineName { get; init; } = "";
    public long SchoolsGuided { get; init; }
    public long Records { get; init; }
}

public sealed record GuidanceFilter(long? SchoolId, DateOnly? From, DateOnly? To, int Page, int PageSize);

/// <summary>All SQL of service guidance (服务指导): records, their findings and rectification, coverage.</summary>
public sealed class GuidanceStore(TimeProvider clock)
{
    private const string InsertRecordSql = """
        INSERT INTO guidance_records (school_id, unit_id, kind, visit_date, summary, attendees, photos, creator_user_id, state, created_at, closed_at)
        VALUES (@SchoolId, @UnitId, @Kind, @VisitDate, @Summary, @Attendees, @Photos, @CreatorUserId, @State, @Now, IF(@State = 'Closed', @Now, NULL));
        SELECT LAST_INSERT_ID()
        """;

    public Task<long> InsertRecordAsync(MySqlConnection conn, MySqlTransaction tx, long schoolId, long unitId, GuidanceKind kind, DateOnly date,
        string summary, string attendees, string? photosJson, long creator, GuidanceState state, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertRecordSql, new
        {
            SchoolId = schoolId, UnitId = unitId, Kind = kind.ToString(), VisitDate = date.ToDateTime(TimeOnly.MinValue), Summary = summary,
            Attendees = attendees, Photos = photosJson, CreatorUserId = creator, State = state.ToString(), Now = clock.GetUtcNow().UtcDateTime,
        }, tx, cancellationToken: ct));

    private const string InsertFindingSql = """
        INSERT INTO guidance_findings (record_id, seq, description, assignee_school_id, assignee_unit_id, deadline, state)
        VALUES (@RecordId, @Seq, @Description, @AssigneeSchoolId, @AssigneeUnitId, @Deadline, 'Open')
        """;

    public Task<int> InsertFindingAsync(MySqlConnection conn, MySqlTransaction tx, long recordId, int seq, string description,
        long? assigneeSchoolId, long? assigneeUnitId, DateOnly deadline, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(InsertFindingSql, new
        {
            RecordId = recordId, Seq = seq, Description = description, AssigneeSchoolId = assigneeSchoolId, AssigneeUnitId = assigneeUnitId,
            Deadline = deadline.ToDateTime(TimeOnly.MinValue),
        }, tx, cancellationToken: ct));

    private const string RecordColumns = $"""
        r.id AS {nameof(GuidanceRecordRow.Id)}, r.school_id AS {nameof(GuidanceRecordRow.SchoolId)}, s.name AS {nameof(GuidanceRecordRow.SchoolName)},
        r.unit_id AS {nameof(GuidanceRecordRow.UnitId)}, u.name AS {nameof(GuidanceRecordRow.UnitName)}, r.kind AS {nameof(GuidanceRecordRow.Kind)},
        r.visit_date AS {nameof(GuidanceRecordRow.VisitDate)}, r.summary AS {nameof(GuidanceRecordRow.Summary)},
        r.attendees AS {nameof(GuidanceRecordRow.Attendees)}, r.photos AS {nameof(GuidanceRecordRow.Photos)},
        r.creator_user_id AS {nameof(GuidanceRecordRow.CreatorUserId)}, c.name AS {nameof(GuidanceRecordRow.CreatorName)},
        r.state AS {nameof(GuidanceRecordRow.State)}, r.created_at AS {nameof(GuidanceRecordRow.CreatedAt)}, r.closed_at AS {nameof(GuidanceRecordRow.ClosedAt)}
        """;

    private const string RecordFrom = """
          FROM guidance_records r
          JOIN schools s ON s.id = r.school_id
          JOIN units u ON u.id = r.unit_id
          JOIN users c ON c.id = r.creator_user_id
        """;

    private const string FindingsSql = $"""
        SELECT f.id AS {nameof(FindingRow.Id)}, f.record_id AS {nameof(FindingRow.RecordId)}, f.seq AS {nameof(FindingRow.Seq)},
               f.description AS {nameof(FindingRow.Description)}, f.assignee_school_id AS {nameof(FindingRow.AssigneeSchoolId)},
               f.assignee_unit_id AS {nameof(FindingRow.AssigneeUnitId)}, au.name AS {nameof(FindingRow.AssigneeUnitName)},
               f.deadline AS {nameof(FindingRow.Deadline)}, f.state AS {nameof(FindingRow.State)}, f.evidence_note AS {nameof(FindingRow.EvidenceNote)},
               f.evidence_photos AS {nameof(FindingRow.EvidencePhotos)}, f.submitted_by AS {nameof(FindingRow.SubmittedBy)},
               f.submitted_at AS {nameof(FindingRow.SubmittedAt)}, f.returned_reason AS {nameof(FindingRow.ReturnedReason)},
               f.return_count AS {nameof(FindingRow.ReturnCount)}, f.closed_at AS {nameof(FindingRow.ClosedAt)}
          FROM guidance_findings f
          LEFT JOIN units au ON au.id = f.assignee_unit_id
         WHERE f.record_id = @Id
         ORDER BY f.seq
        """;

    private const string DetailSql = $"""
        SELECT {RecordColumns}
        {RecordFrom}
         WHERE r.id = @Id;
        {FindingsSql}
        """;

    /// <summary>A record with its findings, in one round trip; null when unknown.</summary>
    public async Task<GuidanceDetail?> DetailAsync(MySqlConnection conn, MySqlTransaction? tx, long id, CancellationToken ct)
    {
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(DetailSql, new { Id = id }, tx, cancellationToken: ct));
        var record = await r.ReadSingleOrDefaultAsync<GuidanceRecordRow>();
        var findings = (await r.ReadAsync<FindingRow>()).AsList();
        return record is null ? null : new GuidanceDetail(record, findings);
    }

    private const string ListSql = $"""
        SELECT {RecordColumns}
        {RecordFrom}
         WHERE (@All OR r.unit_id IN @Units OR r.school_id IN @Schools
                OR EXISTS (SELECT 1 FROM guidance_findings f WHERE f.record_id = r.id AND f.assignee_unit_id IN @Units))
           AND (@SchoolId IS NULL OR r.school_id = @SchoolId)
           AND (@From IS NULL OR r.visit_date >= @From)
           AND (@To IS NULL OR r.visit_date <= @To)
         ORDER BY r.visit_date DESC, r.id DESC
         LIMIT @Limit OFFSET @Offset
        """;

    /// <summary>Records visible through the given units and schools (or all), newest visit first.</summary>
    public async Task<IReadOnlyList<GuidanceRecordRow>> ListAsync(MySqlConnection conn, bool all, IReadOnlyCollection<long> units, IReadOnlyCollection<long> schools,
        GuidanceFilter filter, CancellationToken ct)
    {
        var size = Math.Clamp(filter.PageSize, 1, 100);
        return (await conn.QueryAsync<GuidanceRecordRow>(new CommandDefinition(ListSql, new
        {
            All = all, Units = NonEmpty(units), Schools = NonEmpty(schools), filter.SchoolId,
            From = filter.From?.ToDateTime(TimeOnly.MinValue), To = filter.To?.ToDateTime(TimeOnly.MinValue),
            Limit = size, Offset = (long)(Math.Max(filter.Page, 1) - 1) * size,
        }, cancellationToken: ct))).AsList();
    }

    private const string LockFindingSql = $"""
        SELECT record_id FROM guidance_findings WHERE id = @Id;
        """;

    /// <summary>The record a finding belongs to, or null.</summary>
    public Task<long?> RecordOfFindingAsync(MySqlConnection conn, MySqlTransaction tx, long findingId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(LockFindingSql, new { Id = findingId }, tx, cancellationToken: ct));

    private const string LockRecordSql = "SELECT id FROM guidance_records WHERE id = @Id FOR UPDATE";

    /// <summary>Locks a record: its findings change one at a time, so closing the record sees every finding's last state.</summary>
    public Task<long?> LockRecordAsync(MySqlConnection conn, MySqlTransaction tx, long recordId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(LockRecordSql, new { Id = recordId }, tx, cancellationToken: ct));

    private const string SubmitSql = """
        UPDATE guidance_findings
           SET state = 'Submitted', evidence_note = @Note, evidence_photos = @Photos, submitted_by = @UserId, submitted_at = @Now
         WHERE id = @Id AND state = 'Open'
        """;

    public Task<int> SubmitEvidenceAsync(MySqlConnection conn, MySqlTransaction tx, long findingId, long userId, string note, string? photosJson, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(SubmitSql, new { Id = findingId, UserId = userId, Note = note, Photos = photosJson, Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));

    private const string AcceptSql = """
        UPDATE guidance_findings SET state = 'Closed', closed_by = @UserId, closed_at = @Now WHERE id = @Id AND state = 'Submitted'
        """;

    public Task<int> AcceptAsync(MySqlConnection conn, MySqlTransaction tx, long findingId, long userId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(AcceptSql, new { Id = findingId, UserId = userId, Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));

    private const string SendBackSql = """
        UPDATE guidance_findings SET state = 'Open', returned_reason = @Reason, return_count = return_count + 1 WHERE id = @Id AND state = 'Submitted'
        """;

    public Task<int> SendBackAsync(MySqlConnection conn, MySqlTransaction tx, long findingId, string reason, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(SendBackSql, new { Id = findingId, Reason = reason }, tx, cancellationToken: ct));

    private const string CloseRecordSql = "UPDATE guidance_records SET state = 'Closed', closed_at = @Now WHERE id = @Id AND state = 'Open'";

    public Task<int> CloseRecordAsync(MySqlConnection conn, MySqlTransaction tx, long recordId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(CloseRecordSql, new { Id = recordId, Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));

    private const string CoverageSql = $"""
        SELECT u.line_code AS {nameof(CoverageRow.LineCode)}, l.name_zh AS {nameof(CoverageRow.LineName)},
               COUNT(DISTINCT r.school_id) AS {nameof(CoverageRow.SchoolsGuided)}, COUNT(*) AS {nameof(CoverageRow.Records)}
          FROM guidance_records r
          JOIN units u ON u.id = r.unit_id
          JOIN org_lines l ON l.code = u.line_code
         WHERE r.visit_date >= @From AND r.visit_date <= @To
           AND (@AllLines OR u.line_code IN @Lines)
           AND (@AllSchools OR r.school_id IN @Schools)
         GROUP BY u.line_code, l.name_zh
         ORDER BY u.line_code
        """;

    /// <summary>Per line: the schools its units guided between the two dates (inclusive), and the records.</summary>
    public async Task<IReadOnlyList<CoverageRow>> CoverageAsync(MySqlConnection conn, DateOnly from, DateOnly to,
        IReadOnlyCollection<string>? lines, IReadOnlyCollection<long>? schools, CancellationToken ct) =>
        (await conn.QueryAsync<CoverageRow>(new CommandDefinition(CoverageSql, new
        {
            From = from.ToDateTime(TimeOnly.MinValue), To = to.ToDateTime(TimeOnly.MinValue),
            AllLines = lines is null, Lines = lines is { Count: > 0 } ? lines.ToArray() : ["-"],
            AllSchools = schools is null, Schools = NonEmpty(schools ?? []),
        }, cancellationToken: ct))).AsList();

    private const string ActiveSchoolCountSql = "SELECT COUNT(*) FROM schools WHERE active = 1";

    public Task<long> ActiveSchoolCountAsync(MySqlConnection conn, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(ActiveSchoolCountSql, cancellationToken: ct));

    /// <summary>Dapper expands an empty list to <c>IN ()</c>, which MySQL rejects; no id is ever -1.</summary>
    private static long[] NonEmpty(IReadOnlyCollection<long> ids) => ids.Count == 0 ? [-1] : ids.ToArray();
}
