using System.Globalization;
using Dapper;
using MySqlConnector;
using SchoolSafety.Core.WorkList;

namespace SchoolSafety.Core.Reminders;

/// <summary>One person around the subjects: a member of a unit or school in some role.</summary>
public sealed record RoleHolder(long ScopeId, long UserId, string Role);

/// <summary>Who holds the roles the recipients resolve from, for the units, schools and lines of one run (looked up by unit or school id).</summary>
public sealed record RecipientDirectory(
    ILookup<long, RoleHolder> UnitStaff,
    ILookup<long, RoleHolder> SchoolStaff,
    IReadOnlyDictionary<string, IReadOnlyList<long>> LiaisonsByLine,
    IReadOnlyList<long> EduAdmins);

/// <summary>A guidance window: dates (China) of one year.</summary>
public sealed record GuidanceWindowRow
{
    public int Year { get; init; }
    public int Seq { get; init; }
    public string Name { get; init; } = "";
    public DateTime StartsOn { get; init; }
    public DateTime EndsOn { get; init; }
}

/// <summary>All SQL of the reminders: the subjects that may be due, the people around them, and the sends' record.</summary>
public sealed class ReminderStore
{
    private const string SubjectColumns = $"""
        id AS {nameof(ReminderSubject.Id)}, state AS {nameof(ReminderSubject.State)}, due_at AS {nameof(ReminderSubject.DueAt)},
        supervised AS {nameof(ReminderSubject.Supervised)}, supervision_due_at AS {nameof(ReminderSubject.SupervisionDueAt)},
        version AS {nameof(ReminderSubject.Version)}, school_id AS {nameof(ReminderSubject.SchoolId)}, unit_id AS {nameof(ReminderSubject.UnitId)},
        assignee_user_id AS {nameof(ReminderSubject.AssigneeUserId)}, unrouted AS {nameof(ReminderSubject.Unrouted)},
        line_code AS {nameof(ReminderSubject.LineCode)}, dispatching_unit_id AS {nameof(ReminderSubject.DispatchingUnitId)},
        reporter_user_id AS {nameof(ReminderSubject.ReporterUserId)}
        """;

    // Open clues whose deadline is near or past (the furthest step looks 1 working day ahead; 15 calendar days covers
    // the longest holiday), and every supervised open clue.
    // …and the resolved clues still awaiting their reporter's rating (due: the resolve; until: the rating deadline).
    private const string ClueSubjectsSql = $"""
        SELECT {SubjectColumns}, NULL AS {nameof(ReminderSubject.Until)}
          FROM clues
         WHERE state NOT IN ('Resolved', 'Withdrawn')
           AND (due_at <= @Horizon OR supervised = 1)
        UNION ALL
        SELECT {RatingColumns}
          FROM clues
         WHERE state = 'Resolved' AND rating IS NULL AND rating_due_at > @Now
        """;

    private const string RatingColumns = $"""
        id AS {nameof(ReminderSubject.Id)}, state AS {nameof(ReminderSubject.State)}, resolved_at AS {nameof(ReminderSubject.DueAt)},
        0 AS {nameof(ReminderSubject.Supervised)}, NULL AS {nameof(ReminderSubject.SupervisionDueAt)},
        version AS {nameof(ReminderSubject.Version)}, school_id AS {nameof(ReminderSubject.SchoolId)}, unit_id AS {nameof(ReminderSubject.UnitId)},
        assignee_user_id AS {nameof(ReminderSubject.AssigneeUserId)}, unrouted AS {nameof(ReminderSubject.Unrouted)},
        line_code AS {nameof(ReminderSubject.LineCode)}, dispatching_unit_id AS {nameof(ReminderSubject.DispatchingUnitId)},
        reporter_user_id AS {nameof(ReminderSubject.ReporterUserId)}, rating_due_at AS {nameof(ReminderSubject.Until)}
        """;

    private const string FindingSubjectsSql = """
        SELECT f.id AS Id, f.deadline AS Deadline, f.assignee_school_id AS SchoolId, f.assignee_unit_id AS UnitId, r.creator_user_id AS CreatorUserId
          FROM guidance_findings f
          JOIN guidance_records r ON r.id = f.record_id
         WHERE f.state = 'Open'
           AND f.deadline <= @HorizonDate
        """;

    private const string TaskSubjectsSql = """
        SELECT t.id AS Id, t.due AS Due, i.owner_line AS LineCode
          FROM worklist_tasks t
          JOIN worklist_items i ON i.no = t.item_no
         WHERE t.due <> '全年常态'
           AND NOT EXISTS (SELECT 1 FROM worklist_progress p WHERE p.task_id = t.id AND p.done = 1)
        """;

    // Work-group members with no guidance record of their unit at their school inside the window.
    private const string GuidanceSubjectsSql = """
        SELECT g.school_id AS SchoolId, m.user_id AS UserId, m.unit_id AS UnitId
          FROM work_group_members m
          JOIN work_groups g ON g.id = m.work_group_id
          JOIN schools s ON s.id = g.school_id AND s.active = 1
          JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE NOT EXISTS (SELECT 1 FROM guidance_records r
                            WHERE r.school_id = g.school_id AND r.unit_id = m.unit_id AND r.visit_date BETWEEN @From AND @To)
        """;

    private sealed record FindingRow(long Id, DateTime Deadline, long? SchoolId, long? UnitId, long CreatorUserId);

    private sealed record TaskRow(long Id, string Due, string LineCode);

    private sealed record MemberRow(long SchoolId, long UserId, long UnitId);

    /// <summary>Everything some step may be due for at <paramref name="nowUtc"/>.</summary>
    public async Task<IReadOnlyList<ReminderSubject>> SubjectsAsync(MySqlConnection conn, DateTime nowUtc,
        IReadOnlyList<(DateOnly From, DateOnly To)> openWindows, CancellationToken ct)
    {
        var subjects = new List<ReminderSubject>();
        var horizon = nowUtc.AddDays(15);
        subjects.AddRange((await conn.QueryAsync<ReminderSubject>(new CommandDefinition(ClueSubjectsSql, new { Horizon = horizon, Now = nowUtc }, cancellationToken: ct)))
            .Select(s => s with { Kind = SubjectKind.Clue }));

        var findings = await conn.QueryAsync<FindingRow>(new CommandDefinition(FindingSubjectsSql, new { HorizonDate = horizon.Date }, cancellationToken: ct));
        subjects.AddRange(findings.Select(f => new ReminderSubject
        {
            Kind = SubjectKind.Finding, Id = f.Id, State = "Open", DueAt = WorkingTime.Utc(DateOnly.FromDateTime(f.Deadline), TimeOnly.MinValue),
            SchoolId = f.SchoolId, UnitId = f.UnitId, PersonUserId = f.CreatorUserId,
        }));

        var tasks = await conn.QueryAsync<TaskRow>(new CommandDefinition(TaskSubjectsSql, cancellationToken: ct));
        foreach (var t in tasks)
            if (WorkListDeadlines.Parse(t.Due) is { } day && WorkingTime.Utc(day, TimeOnly.MinValue) <= horizon)
                subjects.Add(new ReminderSubject
                {
                    Kind = SubjectKind.Task, Id = t.Id, State = "Open", DueAt = WorkingTime.Utc(day, TimeOnly.MinValue), LineCode = t.LineCode,
                });

        foreach (var (from, to) in openWindows)
        {
            var members = await conn.QueryAsync<MemberRow>(new CommandDefinition(GuidanceSubjectsSql,
                new { From = from.ToDateTime(TimeOnly.MinValue), To = to.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
            subjects.AddRange(members.Select(m => new ReminderSubject
            {
                Kind = SubjectKind.Guidance, Id = m.SchoolId, State = "Open", DueAt = WorkingTime.Utc(from, TimeOnly.MinValue),
                Until = WorkingTime.Utc(to.AddDays(1), TimeOnly.MinValue), SchoolId = m.SchoolId, UnitId = m.UnitId, PersonUserId = m.UserId,
                KeySuffix = m.UserId.ToString(CultureInfo.InvariantCulture),
            }));
        }
        return subjects;
    }

    private const string DirectorySql = """
        SELECT m.unit_id AS ScopeId, m.user_id AS UserId, m.role AS Role
          FROM memberships m JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE m.unit_id IN @Units AND m.role IN ('Handler', 'UnitHead');
        SELECT m.school_id AS ScopeId, m.user_id AS UserId, m.role AS Role
          FROM memberships m JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE m.school_id IN @Schools AND m.role IN ('CoLeader', 'Reporter');
        SELECT un.line_code AS LineCode, m.user_id AS UserId
          FROM memberships m
          JOIN units un ON un.id = m.unit_id AND un.level = 'District'
          JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE m.role = 'Liaison';
        SELECT m.user_id
          FROM memberships m JOIN users u ON u.id = m.user_id AND u.active = 1
         WHERE m.role = 'EduAdmin';
        """;

    /// <summary>The people of these units and schools, every district liaison by line, and the EDU admins: one round trip.</summary>
    public async Task<RecipientDirectory> DirectoryAsync(MySqlConnection conn, IReadOnlyCollection<long> unitIds, IReadOnlyCollection<long> schoolIds, CancellationToken ct)
    {
        // "IN ()" is not SQL; -1 matches nothing.
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(DirectorySql,
            new { Units = unitIds.Count == 0 ? [-1L] : unitIds, Schools = schoolIds.Count == 0 ? [-1L] : schoolIds }, cancellationToken: ct));
        var units = (await r.ReadAsync<RoleHolder>()).ToLookup(h => h.ScopeId);
        var schools = (await r.ReadAsync<RoleHolder>()).ToLookup(h => h.ScopeId);
        var liaisons = (await r.ReadAsync<(string LineCode, long UserId)>())
            .GroupBy(l => l.LineCode).ToDictionary(g => g.Key, g => (IReadOnlyList<long>)g.Select(l => l.UserId).ToList(), StringComparer.Ordinal);
        var admins = (await r.ReadAsync<long>()).AsList();
        return new RecipientDirectory(units, schools, liaisons, admins);
    }

    private const string RecordSendsSql = """
        INSERT IGNORE INTO reminder_sends (subject_kind, subject_id, step, due_key, run_id, queued_at)
        VALUES
        """;

    private const string RecordedByRunSql = """
        SELECT subject_kind AS Kind, subject_id AS Id, step AS Step, due_key AS DueKey
          FROM reminder_sends
         WHERE run_id = @RunId
        """;

    /// <summary>
    /// Records the due steps under their unique key (subject, step, due key) inside the caller's transaction and returns
    /// those this run recorded: a step another run (or Bot) recorded first is ignored here — its transaction, committed or
    /// still open, holds the key — so each step is queued once however often the evaluator runs.
    /// </summary>
    public async Task<HashSet<(SubjectKind Kind, long Id, string Step, string DueKey)>> RecordAsync(
        MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<DueReminder> due, string runId, DateTime nowUtc, CancellationToken ct)
    {
        var inserted = 0;
        foreach (var chunk in due.Chunk(500))
        {
            var args = new DynamicParameters();
            args.Add("RunId", runId);
            args.Add("Now", nowUtc);
            var values = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                args.Add($"K{i}", chunk[i].Subject.Kind.ToString());
                args.Add($"I{i}", chunk[i].Subject.Id);
                args.Add($"S{i}", chunk[i].Step.Code);
                args.Add($"D{i}", chunk[i].DueKey);
                values.Add($"(@K{i}, @I{i}, @S{i}, @D{i}, @RunId, @Now)");
            }
            inserted += await conn.ExecuteAsync(new CommandDefinition(RecordSendsSql + string.Join(", ", values), args, tx, cancellationToken: ct));
        }
        // Every row went in (the usual case): all are this run's, and nothing needs reading back.
        if (inserted == due.Count) return due.Select(d => (d.Subject.Kind, d.Subject.Id, d.Step.Code, d.DueKey)).ToHashSet();
        var mine = await conn.QueryAsync<(string Kind, long Id, string Step, string DueKey)>(
            new CommandDefinition(RecordedByRunSql, new { RunId = runId }, tx, cancellationToken: ct));
        return mine.Select(m => (Enum.Parse<SubjectKind>(m.Kind), m.Id, m.Step, m.DueKey)).ToHashSet();
    }

    private const string WindowsSql = $"""
        SELECT year AS {nameof(GuidanceWindowRow.Year)}, seq AS {nameof(GuidanceWindowRow.Seq)}, name AS {nameof(GuidanceWindowRow.Name)},
               starts_on AS {nameof(GuidanceWindowRow.StartsOn)}, ends_on AS {nameof(GuidanceWindowRow.EndsOn)}
          FROM guidance_windows
         WHERE year = @Year
         ORDER BY seq
        """;

    public async Task<IReadOnlyList<GuidanceWindowRow>> WindowsAsync(MySqlConnection conn, int year, CancellationToken ct) =>
        (await conn.QueryAsync<GuidanceWindowRow>(new CommandDefinition(WindowsSql, new { Year = year }, cancellationToken: ct))).AsList();

    private const string DeleteWindowsSql = "DELETE FROM guidance_windows WHERE year = @Year";

    private const string InsertWindowSql = "INSERT INTO guidance_windows (year, seq, name, starts_on, ends_on) VALUES (@Year, @Seq, @Name, @StartsOn, @EndsOn)";

    /// <summary>Replaces one year's guidance windows.</summary>
    public async Task ReplaceWindowsAsync(MySqlConnection conn, int year, IReadOnlyList<GuidanceWindowRow> windows, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(DeleteWindowsSql, new { Year = year }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(InsertWindowSql, windows, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    private const string LineViewsSql = """
        SELECT 'Clue' AS Kind, c.id AS Id, c.number AS Title, CONCAT(s.name, ' · ', w.label) AS Place, c.due_at AS DueAt
          FROM clues c JOIN schools s ON s.id = c.school_id JOIN worklist_items w ON w.no = c.item_no
         WHERE c.id IN @Clues;
        SELECT 'Finding' AS Kind, f.id AS Id, CONCAT('整改：', LEFT(f.description, 30)) AS Title, s.name AS Place,
               CAST(f.deadline AS DATETIME) AS DueAt
          FROM guidance_findings f JOIN guidance_records r ON r.id = f.record_id JOIN schools s ON s.id = r.school_id
         WHERE f.id IN @Findings;
        SELECT 'Task' AS Kind, t.id AS Id, CONCAT('工作清单任务：', LEFT(t.text_zh, 30)) AS Title, w.label AS Place,
               STR_TO_DATE(t.due, '%Y-%m-%d') AS DueAt
          FROM worklist_tasks t JOIN worklist_items w ON w.no = t.item_no
         WHERE t.id IN @Tasks;
        SELECT 'Guidance' AS Kind, s.id AS Id, '服务指导' AS Title, s.name AS Place, NULL AS DueAt
          FROM schools s
         WHERE s.id IN @Schools;
        """;

    /// <summary>What each reminder line shows, for the subjects of one message (one round trip). Dates of findings and tasks are China dates.</summary>
    public async Task<IReadOnlyDictionary<(SubjectKind, long), ReminderLineView>> LineViewsAsync(MySqlConnection conn, IReadOnlyList<ReminderItem> items, CancellationToken ct)
    {
        List<long> Ids(SubjectKind k) => items.Where(i => i.Kind == k).Select(i => i.Id).Distinct().DefaultIfEmpty(-1).ToList();
        using var r = await conn.QueryMultipleAsync(new CommandDefinition(LineViewsSql, new
        {
            Clues = Ids(SubjectKind.Clue), Findings = Ids(SubjectKind.Finding), Tasks = Ids(SubjectKind.Task), Schools = Ids(SubjectKind.Guidance),
        }, cancellationToken: ct));
        var views = new List<ReminderLineView>();
        for (var i = 0; i < 4; i++) views.AddRange(await r.ReadAsync<ReminderLineView>());
        return views.ToDictionary(v => (v.Kind, v.Id));
    }
}
