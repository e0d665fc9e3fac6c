using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Statistics;

/// <summary>The clue reads behind the statistics (会商研判).</summary>
public sealed class StatisticsStore
{
    private const string FactsSql = $"""
        SELECT c.id AS {nameof(ClueFact.Id)}, c.number AS {nameof(ClueFact.Number)}, c.school_id AS {nameof(ClueFact.SchoolId)},
               s.name AS {nameof(ClueFact.SchoolName)}, c.town_id AS {nameof(ClueFact.TownId)}, r.name AS {nameof(ClueFact.TownName)},
               c.item_no AS {nameof(ClueFact.ItemNo)}, w.label AS {nameof(ClueFact.ItemLabel)}, c.line_code AS {nameof(ClueFact.LineCode)},
               COALESCE(l.short_zh, l.name_zh) AS {nameof(ClueFact.LineName)},
               c.state AS {nameof(ClueFact.State)}, c.created_at AS {nameof(ClueFact.CreatedAt)}, c.updated_at AS {nameof(ClueFact.UpdatedAt)},
               c.due_at AS {nameof(ClueFact.DueAt)}, c.resolved_at AS {nameof(ClueFact.ResolvedAt)}, c.supervised AS {nameof(ClueFact.Supervised)},
               (SELECT MIN(e.occurred_at) FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'Accept') AS {nameof(ClueFact.AcceptedAt)},
               EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND e.action IN ('Escalate', 'ApproveEscalation')) AS {nameof(ClueFact.Escalated)},
               (SELECT COUNT(*) FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'ApproveExtension') AS {nameof(ClueFact.Extensions)},
               c.rating AS {nameof(ClueFact.Rating)}, c.redo AS {nameof(ClueFact.Redo)},
               EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'Return') AS {nameof(ClueFact.Returned)}
          FROM clues c
          JOIN schools s ON s.id = c.school_id
          JOIN regions r ON r.id = c.town_id
          JOIN worklist_items w ON w.no = c.item_no
          JOIN org_lines l ON l.code = c.line_code
         WHERE c.created_at < @To
           AND (c.created_at >= @From OR c.state NOT IN ('Resolved', 'Withdrawn') OR c.updated_at >= @From)
           AND (@AllLines OR c.line_code IN @Lines)
           AND (@AllSchools OR c.school_id IN @Schools)
         ORDER BY c.created_at, c.id
        """;

    /// <summary>
    /// Clues in scope reported before <paramref name="toUtc"/> that were reported in the period or
    /// were still open at its start (closed later, or not at all).
    /// </summary>
    public async Task<IReadOnlyList<ClueFact>> FactsAsync(MySqlConnection conn, DateTime fromUtc, DateTime toUtc, StatisticsScope scope, CancellationToken ct) =>
        (await conn.QueryAsync<ClueFact>(new CommandDefinition(FactsSql, new
        {
            From = fromUtc, To = toUtc,
            AllLines = scope.Lines is null, Lines = scope.Lines is { Count: > 0 } l ? l.ToArray() : ["-"],
            AllSchools = scope.Schools is null, Schools = scope.Schools is { Count: > 0 } s ? s.ToArray() : [-1L],
        }, cancellationToken: ct))).AsList();
}
