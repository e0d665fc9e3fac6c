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
    /// My to-dos: open clues waiting for me: assigned to me, held by my unit with nobody assigned yet or waiting for the
    /// head's review, waiting for my unit to confirm the four platforms' result, or unrouted at a school I co-lead.
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
    /// <summary>The schools whose work group I co-lead (their unrouted clues wait for me).</summary>
    public IReadOnlyList<long> CoLedSchools { get; init; } = [];

    public static ClueVisibility Of(long userId, IReadOnlyList<MembershipRow> memberships) => new(
        userId,
        memberships.Any(m => m.Role == Role.EduAdmin),
        memberships.Where(m => m.Role is Role.Reporter or Role.CoLeader && m.SchoolId != 0).Select(m => m.SchoolId).Distinct().ToList(),
        memberships.Where(m => m.Role is Role.Handler or Role.UnitHead && m.UnitId != 0).Select(m => m.UnitId).Distinct().ToList(),
        memberships.Where(m => m.Role == Role.Liaison && m.UnitLineCode is not null).Select(m => m.UnitLineCode!).Distinct().ToList())
    {
        CoLedSchools = memberships.Where(m => m.Role == Role.CoLeader && m.SchoolId != 0).Select(m => m.SchoolId).Distinct().ToList(),
    };
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

/// <summary>The mini-app's clue lists, always within what the person may see.</summary>
public sealed partial class ClueStore
{
    private const string VisibleWhere = """
        (@Admin = 1 OR c.reporter_user_id = @UserId OR c.assignee_user_id = @UserId
         OR c.school_id IN @Schools OR c.unit_id IN @Units OR c.dispatching_unit_id IN @Units OR c.line_code IN @Lines
         OR EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND (e.to_unit_id IN @Units OR e.from_unit_id IN @Units)))
        """;

    private const string FilterWhere = """
        (@Scope <> 'Mine' OR c.reporter_user_id = @UserId OR c.assignee_user_id = @UserId)
        AND (@Scope <> 'School' OR c.school_id IN @Schools)
        AND (@Scope <> 'Unit' OR c.unit_id IN @Units)
        AND (@Scope <> 'Todo' OR (c.state NOT IN ('Resolved', 'Withdrawn') AND (c.assignee_user_id = @UserId
             OR (c.unit_id IN @Units AND (c.assignee_user_id IS NULL OR c.state = 'PendingReview'))
             OR (c.dispatching_unit_id IN @Units AND c.state = 'PendingConfirmation')
             OR (c.unrouted = 1 AND c.school_id IN @CoLedSchools))))
        AND (@State IS NULL OR c.state = @State)
        AND (@ItemNo IS NULL OR c.item_no = @ItemNo)
        AND (@TownId IS NULL OR c.town_id = @TownId)
        AND (@SchoolId IS NULL OR c.school_id = @SchoolId)
        AND (@Overdue = 0 OR (c.due_at < @Now AND c.state NOT IN ('Resolved', 'Withdrawn')))
        AND (@Supervised = 0 OR c.supervised = 1)
        AND (@From IS NULL OR c.created_at >= @From)
        AND (@To IS NULL OR c.created_at < @To)
        """;

    private const string ListSql = $"""
        SELECT c.id AS {nameof(ClueSummary.Id)}, c.number AS {nameof(ClueSummary.Number)}, c.school_id AS {nameof(ClueSummary.SchoolId)},
               s.name AS {nameof(ClueSummary.SchoolName)}, c.town_id AS {nameof(ClueSummary.TownId)}, c.item_no AS {nameof(ClueSummary.ItemNo)},
               w.label AS {nameof(ClueSummary.ItemLabel)}, c.line_code AS {nameof(ClueSummary.LineCode)}, c.state AS {nameof(ClueSummary.State)},
               c.tier AS {nameof(ClueSummary.Tier)}, u.name AS {nameof(ClueSummary.UnitName)}, c.created_at AS {nameof(ClueSummary.CreatedAt)},
               c.due_at AS {nameof(ClueSummary.DueAt)}, c.supervised AS {nameof(ClueSummary.Supervised)},
               c.unrouted AS {nameof(ClueSummary.Unrouted)}, c.version AS {nameof(ClueSummary.Version)}
          FROM clues c
          JOIN schools s ON s.id = c.school_id
          JOIN worklist_items w ON w.no = c.item_no
          LEFT JOIN units u ON u.id = c.unit_id
         WHERE {VisibleWhere}
           AND {FilterWhere}
         ORDER BY c.created_at DESC, c.id DESC
         LIMIT @Limit OFFSET @Offset;
        SELECT COUNT(*)
          FROM clues c
         WHERE {VisibleWhere}
           AND {FilterWhere};
        """;

    /// <summary>One page of the clues a person may see that match the filter, and how many match in all.</summary>
    public async Task<(IReadOnlyList<ClueSummary> Items, long Total)> ListAsync(MySqlConnection conn, ClueVisibility who, ClueFilter f, DateTime nowUtc, CancellationToken ct)
    {
        var size = Math.Clamp(f.PageSize, 1, 100);
        using var results = await conn.QueryMultipleAsync(new CommandDefinition(ListSql, new
        {
            who.UserId, Admin = who.Admin, who.Schools, who.Units, who.Lines, who.CoLedSchools,
            Scope = f.Scope.ToString(), State = f.State?.ToString(), f.ItemNo, f.TownId, f.SchoolId,
            f.Overdue, f.Supervised, f.From, f.To, Now = nowUtc,
            Limit = size, Offset = (long)(Math.Max(f.Page, 1) - 1) * size,
        }, cancellationToken: ct));
        var items = (await results.ReadAsync<ClueSummary>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return (items, total);
    }
}
