using System.Globalization;
using System.Text;
using Dapper;
using MySqlConnector;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Clues;

public enum ClueListScope
{
    /// <summary>Reported by me or assigned to me.</summary>
    Mine,
    /// <summary>Of my schools (school staff, co-leaders).</summary>
    School,
    /// <summary>Held now by my units.</summary>
    Unit,
    /// <summary>Everything I may see.</summary>
    All,
    /// <summary>
    /// My to-dos (the mini-app's 我的待办, the same as the chatbot's): open clues assigned to me, unassigned in my unit,
    /// waiting for my review as the unit's head or for my unit's confirmation, or unrouted at a school I co-lead.
    /// </summary>
    Todo,
}

public sealed record ClueFilter
{
    public ClueListScope Scope { get; init; } = ClueListScope.All;
    public ClueState? State { get; init; }
    public int? ItemNo { get; init; }
    public long? TownId { get; init; }
    public long? SchoolId { get; init; }
    public bool Overdue { get; init; }
    public bool Supervised { get; init; }
    public DateTime? From { get; init; }
    public DateTime? To { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 20;
}

/// <summary>What a person may see, from their memberships (the list form of <see cref="CluePermissions.CanSee"/>).</summary>
public sealed record ClueVisibility(long UserId, bool Admin, IReadOnlyList<long> Schools, IReadOnlyList<long> Units, IReadOnlyList<string> Lines)
{
    public static ClueVisibility Of(long userId, IReadOnlyList<MembershipRow> memberships) => new(
        userId,
        memberships.Any(m => m.Role == Role.EduAdmin),
        memberships.Where(m => m.Role is Role.Reporter or Role.CoLeader && m.SchoolId != 0).Select(m => m.SchoolId).Distinct().ToList(),
        memberships.Where(m => m.Role is Role.Handler or Role.UnitHead && m.UnitId != 0).Select(m => m.UnitId).Distinct().ToList(),
        memberships.Where(m => m.Role == Role.Liaison && m.UnitLineCode is not null).Select(m => m.UnitLineCode!).Distinct().ToList());
}

public sealed record ClueSummary
{
    public long Id { get; init; }
    public string Number { get; init; } = "";
    public long SchoolId { get; init; }
    public string SchoolName { get; init; } = "";
    public long TownId { get; init; }
    public int ItemNo { get; init; }
    public string ItemLabel { get; init; } = "";
    public string LineCode { get; init; } = "";
    public ClueState State { get; init; }
    public Tier Tier { get; init; }
    public string? UnitName { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? DueAt { get; init; }
    public bool Supervised { get; init; }
    public bool Unrouted { get; init; }
    public int Version { get; init; }
}

/// <summary>
/// The mini-app's clue lists, always within what the person may see, at a cost that follows the page, not the
/// table (issue 11). What a person may see is a union of simple conditions (reported by me, assigned to me, my
/// schools, my units now, dispatched by my units, my line, held by my units before); each is its own branch,
/// read newest first from its own index (<c>(x, created_at)</c>; the past holders' from <c>clue_units</c>) and stopped after the page, and the union is
/// merged and paged. The count reads the same branches, stopped at <see cref="CountLimit"/> + 1.
/// </summary>
public sealed partial class ClueStore
{
    /// <summary>Counts stop here: past it a list says "more than this" rather than scan the table.</summary>
    public const int CountLimit = 10_000;

    private const string SummaryColumns = $"""
        c.id AS {nameof(ClueSummary.Id)}, c.number AS {nameof(ClueSummary.Number)}, c.school_id AS {nameof(ClueSummary.SchoolId)},
        s.name AS {nameof(ClueSummary.SchoolName)}, c.town_id AS {nameof(ClueSummary.TownId)}, c.item_no AS {nameof(ClueSummary.ItemNo)},
        w.label AS {nameof(ClueSummary.ItemLabel)}, c.line_code AS {nameof(ClueSummary.LineCode)}, c.state AS {nameof(ClueSummary.State)},
        c.tier AS {nameof(ClueSummary.Tier)}, u.name AS {nameof(ClueSummary.UnitName)}, c.created_at AS {nameof(ClueSummary.CreatedAt)},
        c.due_at AS {nameof(ClueSummary.DueAt)}, c.supervised AS {nameof(ClueSummary.Supervised)},
        c.unrouted AS {nameof(ClueSummary.Unrouted)}, c.version AS {nameof(ClueSummary.Version)}
        """;

    // The branches of "what I may see" (each served by its own index).
    private const string ByReporter = "c.reporter_user_id = @UserId";
    private const string ByAssignee = "c.assignee_user_id = @UserId";
    private const string BySchool = "c.school_id IN @Schools";
    private const string ByUnit = "c.unit_id IN @Units";
    private const string ByDispatchingUnit = "c.dispatching_unit_id IN @Units";
    private const string ByLine = "c.line_code IN @Lines";
    /// <summary>
    /// The clues my units held (any unit the clue's timeline names), from <c>clue_units</c> (V0710): its primary key
    /// (unit, report time, clue) is read newest first and stopped once the page is full, where the timeline's own
    /// indexes gave every event of the unit, to be ordered by the clues' report times (a cost growing with the table).
    /// </summary>
    private const string ByPastUnit = "p.unit_id IN @Units";
    private const string Everything = "1 = 1";
    // Its shapes: {0} DISTINCT when the person has several units (a clue may be there once for each), {1} the join to the
    // clue's row when a filter needs it, {2} the filter. The report time and id are the clue's (equal by construction).
    private const string PastUnitPageSql = "(SELECT {0}p.clue_id AS id, p.created_at FROM clue_units p{1} WHERE p.unit_id IN @Units{2} ORDER BY p.created_at DESC, p.clue_id DESC LIMIT @Take)";
    private const string PastUnitCountSql = "(SELECT {0}p.clue_id AS id FROM clue_units p{1} WHERE p.unit_id IN @Units{2} LIMIT @CountLimitPlusOne)";
    private const string PastUnitClue = " JOIN clues c ON c.id = p.clue_id";
    private const string OpenClue = "c.state NOT IN ('Resolved', 'Withdrawn')";
    private static readonly string[] TodoBranches =
    [
        $"{ByAssignee} AND {OpenClue}",
        $"{ByUnit} AND c.assignee_user_id IS NULL AND {OpenClue}",
        "c.unit_id IN (SELECT unit_id FROM memberships WHERE user_id = @UserId AND role = 'UnitHead') AND c.state = 'PendingReview'",
        $"{ByDispatchingUnit} AND c.state = 'PendingConfirmation'",
        $"c.school_id IN (SELECT school_id FROM memberships WHERE user_id = @UserId AND role = 'CoLeader') AND c.unrouted = 1 AND {OpenClue}",
    ];

    // The page is cut from the branches' (id, created_at) before anything is joined: page 50 reads 1,000 index
    // entries per branch and 20 rows, not 1,000 rows with their names.
    private const string PageSql = $"""
        SELECT {SummaryColumns}
          FROM (SELECT b.id FROM ({"{0}"}) b ORDER BY b.created_at DESC, b.id DESC LIMIT @Limit OFFSET @Offset) k
          JOIN clues c ON c.id = k.id
          JOIN schools s ON s.id = c.school_id
          JOIN worklist_items w ON w.no = c.item_no
          LEFT JOIN units u ON u.id = c.unit_id
         ORDER BY c.created_at DESC, c.id DESC
        """;

    private const string BranchPageSql = "(SELECT c.id, c.created_at FROM clues c WHERE {0}{1} ORDER BY c.created_at DESC, c.id DESC LIMIT @Take)";

    private const string BranchCountSql = "(SELECT c.id FROM clues c WHERE {0}{1} LIMIT @CountLimitPlusOne)";

    /// <summary>Pages up to here are read in the same round trip as the count (at most this many index entries a branch, even past the end).</summary>
    private const int BatchedPageEnd = 1_000;

    private const string CountSql = "SELECT COUNT(*) FROM ({0}) k";

    private const string BranchCountsSql = "SELECT {0}";

    /// <summary>The filter as plain conditions (only those asked for, so each branch can use its best index).</summary>
    private static string FilterConditions(ClueFilter f)
    {
        var sql = new StringBuilder();
        if (f.State is not null) sql.Append(" AND c.state = @State");
        if (f.ItemNo is not null) sql.Append(" AND c.item_no = @ItemNo");
        if (f.TownId is not null) sql.Append(" AND c.town_id = @TownId");
        if (f.SchoolId is not null) sql.Append(" AND c.school_id = @SchoolId");
        if (f.Overdue) sql.Append(" AND c.due_at < @Now AND c.state NOT IN ('Resolved', 'Withdrawn')");
        if (f.Supervised) sql.Append(" AND c.supervised = 1");
        if (f.From is not null) sql.Append(" AND c.created_at >= @From");
        if (f.To is not null) sql.Append(" AND c.created_at < @To");
        return sql.ToString();
    }

    /// <summary>
    /// The scope's branches: Mine, School and Unit are each what they say (all visible to the person by
    /// definition); All is every way the person may see a clue (the admin: everything).
    /// </summary>
    private static List<string> Branches(ClueVisibility who, ClueListScope scope)
    {
        var b = new List<string>();
        switch (scope)
        {
            case ClueListScope.Mine:
                b.Add(ByReporter); b.Add(ByAssignee);
                break;
            case ClueListScope.School:
                if (who.Schools.Count > 0) b.Add(BySchool);
                break;
            case ClueListScope.Unit:
                if (who.Units.Count > 0) b.Add(ByUnit);
                break;
            case ClueListScope.Todo:
                b.AddRange(who.Units.Count > 0 ? TodoBranches : TodoBranches.Where(t => !t.Contains("@Units")));
                break;
            default:
                if (who.Admin) return [Everything];
                b.Add(ByReporter); b.Add(ByAssignee);
                if (who.Schools.Count > 0) b.Add(BySchool);
                if (who.Units.Count > 0) b.AddRange([ByUnit, ByDispatchingUnit, ByPastUnit]);
                if (who.Lines.Count > 0) b.Add(ByLine);
                break;
        }
        return b;
    }

    private static string Branch(string shape, string branch, string filter, bool severalUnits) =>
        branch is ByPastUnit
            ? string.Format(CultureInfo.InvariantCulture, shape == BranchPageSql ? PastUnitPageSql : PastUnitCountSql,
                severalUnits ? "DISTINCT " : "", filter.Length == 0 ? "" : PastUnitClue, filter)
            : string.Format(CultureInfo.InvariantCulture, shape, branch, filter);

    private static string Union(IEnumerable<string> branches, string shape, string filter, bool severalUnits) =>
        string.Join("\nUNION\n", branches.Select(b => Branch(shape, b, filter, severalUnits)));

    /// <summary>
    /// How many clues the branches hold together, up to <see cref="CountLimit"/> + 1 (the union of the branches, each
    /// stopped there: a branch past the limit puts the union past it). When a branch may pass the limit by itself (a
    /// liaison's whole line), each branch's own count is taken first and the union only when needed: counting one
    /// index's 10,001 entries is cheaper than putting them through the union's de-duplication.
    /// </summary>
    private static string CountStatement(List<string> branches, string filter, bool severalUnits, bool eachFirst) =>
        eachFirst
            ? string.Format(CultureInfo.InvariantCulture, BranchCountsSql,
                string.Join(", ", branches.Select((b, i) => $"(SELECT COUNT(*) FROM {Branch(BranchCountSql, b, filter, severalUnits)} k) AS n{i}")))
            : string.Format(CultureInfo.InvariantCulture, CountSql, Union(branches, BranchCountSql, filter, severalUnits));

    /// <summary>The total from <see cref="CountStatement"/>'s answer; null when the branches' own counts do not settle it.</summary>
    private static long? Total(IEnumerable<object> counts)
    {
        var values = counts.Select(Convert.ToInt64).ToList();
        if (values.Max() > CountLimit) return CountLimit + 1;
        if (values.Count == 1 || values.Count(v => v > 0) <= 1) return values.Max();
        return null;
    }

    /// <summary>
    /// One page of the clues a person may see that match the filter, newest first, and how many match in all:
    /// exact up to <see cref="CountLimit"/>, and <see cref="CountLimit"/> + 1 when there are more. The count and the
    /// page (up to <see cref="BatchedPageEnd"/>) go to the server in one round trip; a later page only when the count
    /// says it is not past the end.
    /// </summary>
    public Task<(IReadOnlyList<ClueSummary> Items, long Total)> ListAsync(MySqlConnection conn, ClueVisibility who, ClueFilter f, DateTime nowUtc, CancellationToken ct) =>
        ListAsync(conn, who, f, nowUtc, BatchedPageEnd, ct);

    /// <summary>The same, with the page read with the count up to <paramref name="batchedPageEnd"/> (tests: both ways give the same answer).</summary>
    internal async Task<(IReadOnlyList<ClueSummary> Items, long Total)> ListAsync(MySqlConnection conn, ClueVisibility who, ClueFilter f, DateTime nowUtc,
        int batchedPageEnd, CancellationToken ct)
    {
        var size = Math.Clamp(f.PageSize, 1, 100);
        var offset = (long)(Math.Max(f.Page, 1) - 1) * size;
        var branches = Branches(who, f.Scope);
        if (branches.Count == 0) return ([], 0);
        var filter = FilterConditions(f);
        var args = new
        {
            who.UserId, who.Schools, who.Units, who.Lines,
            State = f.State?.ToString(), f.ItemNo, f.TownId, f.SchoolId, f.From, f.To, Now = nowUtc,
            Limit = size, Offset = offset, Take = offset + size, CountLimitPlusOne = CountLimit + 1,
        };
        var eachFirst = branches.Count > 1 && branches.Contains(ByLine);
        var severalUnits = who.Units.Count > 1;
        var count = CountStatement(branches, filter, severalUnits, eachFirst);
        var pageSql = string.Format(CultureInfo.InvariantCulture, PageSql, Union(branches, BranchPageSql, filter, severalUnits));
        long total;
        IReadOnlyList<ClueSummary>? items = null;
        if (offset + size <= batchedPageEnd)
        {
            using var r = await conn.QueryMultipleAsync(new CommandDefinition($"{count};\n{pageSql}", args, cancellationToken: ct));
            var counts = (IDictionary<string, object>)await r.ReadSingleAsync();
            items = (await r.ReadAsync<ClueSummary>()).AsList();
            total = Total(counts.Values) ?? -1;
        }
        else
            total = Total(((IDictionary<string, object>)await conn.QuerySingleAsync(new CommandDefinition(count, args, cancellationToken: ct))).Values) ?? -1;
        if (total < 0)
            total = Math.Min(await conn.ExecuteScalarAsync<long>(new CommandDefinition(CountStatement(branches, filter, severalUnits, eachFirst: false), args, cancellationToken: ct)),
                CountLimit + 1);
        if (offset >= total && total <= CountLimit) return ([], total);
        items ??= (await conn.QueryAsync<ClueSummary>(new CommandDefinition(pageSql, args, cancellationToken: ct))).AsList();
        return (items, total);
    }
}
