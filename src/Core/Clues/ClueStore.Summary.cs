using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Clues;

/// <summary>
/// The statistics' daily summary (issue 11): <c>clue_daily</c> (the clues by report day, line, school, item, town and
/// state, with what the figures count of them) and <c>clue_daily_closings</c> (the closed clues by the day they
/// closed), and each clue's first acceptance (<c>clues.accepted_at</c>). Maintained in the transaction of every clue
/// change, by one rule: take the clue's contribution out as it stands before the change, put it back as it stands
/// after. Both are the same statement over the clue's row and timeline (a sign apart), so the summary is by
/// construction what <see cref="SummariseAllAsync"/> recomputes from every clue, and nothing can drift.
/// </summary>
public sealed partial class ClueStore
{
    private const string ChinaDay = "DATE({0} + INTERVAL 8 HOUR)";

    /// <summary>When a clue closed as the statistics count it: resolved (or withdrawn at its last update), never before its report.</summary>
    internal const string ClosedAtSql = "GREATEST(CASE WHEN c.state = 'Resolved' THEN COALESCE(c.resolved_at, c.updated_at) ELSE c.updated_at END, c.created_at)";

    private static string ContributionSql(char sign, string where) => $"""
        INSERT INTO clue_daily (day, line_code, school_id, item_no, town_id, state, clues, escalated, returned, extensions, redo,
                                resolved_late, satisfied, basic, unsatisfied, unrated)
        SELECT * FROM (
            SELECT {string.Format(System.Globalization.CultureInfo.InvariantCulture, ChinaDay, "c.created_at")} AS day, c.line_code, c.school_id, c.item_no, c.town_id, c.state,
                   {sign}COUNT(*) AS clues,
                   {sign}COUNT(CASE WHEN EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND e.action IN ('Escalate', 'ApproveEscalation')) THEN 1 END) AS escalated,
                   {sign}COUNT(CASE WHEN EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'Return') THEN 1 END) AS returned,
                   {sign}COALESCE(SUM((SELECT COUNT(*) FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'ApproveExtension')), 0) AS extensions,
                   {sign}COUNT(CASE WHEN c.redo = 1 THEN 1 END) AS redo,
                   {sign}COUNT(CASE WHEN c.state = 'Resolved' AND COALESCE(c.resolved_at, c.updated_at) > c.due_at THEN 1 END) AS resolved_late,
                   {sign}COUNT(CASE WHEN c.rating = 'Satisfied' THEN 1 END) AS satisfied,
                   {sign}COUNT(CASE WHEN c.rating = 'Basic' THEN 1 END) AS basic,
                   {sign}COUNT(CASE WHEN c.rating = 'Unsatisfied' THEN 1 END) AS unsatisfied,
                   {sign}COUNT(CASE WHEN c.rating = 'Unrated' THEN 1 END) AS unrated
              FROM clues c
             WHERE {where}
             GROUP BY day, c.line_code, c.school_id, c.item_no, c.town_id, c.state) AS d
        ON DUPLICATE KEY UPDATE clues = clue_daily.clues + d.clues, escalated = clue_daily.escalated + d.escalated,
            returned = clue_daily.returned + d.returned, extensions = clue_daily.extensions + d.extensions, redo = clue_daily.redo + d.redo,
            resolved_late = clue_daily.resolved_late + d.resolved_late, satisfied = clue_daily.satisfied + d.satisfied,
            basic = clue_daily.basic + d.basic, unsatisfied = clue_daily.unsatisfied + d.unsatisfied, unrated = clue_daily.unrated + d.unrated;
        INSERT INTO clue_daily_closings (day, line_code, school_id, closed)
        SELECT * FROM (
            SELECT {string.Format(System.Globalization.CultureInfo.InvariantCulture, ChinaDay, ClosedAtSql)} AS day, c.line_code, c.school_id, {sign}COUNT(*) AS closed
              FROM clues c
             WHERE c.state IN ('Resolved', 'Withdrawn') AND ({where})
             GROUP BY day, c.line_code, c.school_id) AS d
        ON DUPLICATE KEY UPDATE closed = clue_daily_closings.closed + d.closed;
        """;

    private static string AcceptedSql(string where) =>
        $"UPDATE clues c SET c.accepted_at = (SELECT MIN(e.occurred_at) FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'Accept') WHERE {where};";

    /// <summary>Takes the clues of <paramref name="where"/> (over <c>clues c</c>) out of the summary, as they stand.</summary>
    internal static string UnsummariseSql(string where) => ContributionSql('-', where);

    /// <summary>Puts the clues of <paramref name="where"/> (over <c>clues c</c>) into the summary, as they stand.</summary>
    internal static string SummariseSql(string where) => ContributionSql('+', where);

    /// <summary>
    /// A new clue's contribution, as <see cref="SummariseSql"/> would compute it, without reading the clue back: one clue
    /// reported today at its place in its first state, and nothing else counted yet (no timeline beyond the report, no
    /// rating, not a redo, not resolved, so no closing either). The report's batch runs it last before its COMMIT, so the
    /// day's row is locked for the shortest time (concurrent reports of one school, item and day meet on that row).
    /// <c>ClueSummaryTests</c> compare the kept summary with its recomputation after reports.
    /// </summary>
    internal static readonly string SummariseReportedSql = $"""
        INSERT INTO clue_daily (day, line_code, school_id, item_no, town_id, state, clues, escalated, returned, extensions, redo,
                                resolved_late, satisfied, basic, unsatisfied, unrated)
        VALUES ({string.Format(System.Globalization.CultureInfo.InvariantCulture, ChinaDay, "@CreatedAt")}, @LineCode, @SchoolId, @ItemNo, @TownId, @State,
                1, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        ON DUPLICATE KEY UPDATE clues = clue_daily.clues + 1
        """;

    /// <summary>The whole summary recomputed from every clue (after a bulk load, and the migration's backfill: V0563).</summary>
    public static readonly string SummariseAllSql = $"""
        DELETE FROM clue_daily;
        DELETE FROM clue_daily_closings;
        {AcceptedSql("1 = 1")}
        {SummariseSql("1 = 1")}
        """;

    /// <summary>Recomputes the summary from every clue, in one transaction (clues loaded outside the product: a bulk load, a test's rows).</summary>
    public async Task SummariseAllAsync(MySqlConnection conn, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(SummariseAllSql, transaction: tx, commandTimeout: 3600, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }
}
