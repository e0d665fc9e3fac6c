using Dapper;
using MySqlConnector;

namespace SchoolSafety.Core.Clues;

/// <summary>
/// <c>clue_units</c> (issue 11, V0710): every unit a clue's timeline names, with the clue's report time, for the lists'
/// branch of the clues a person's units held (<see cref="ClueStore.ListAsync(MySqlConnection, ClueVisibility, ClueFilter, DateTime, CancellationToken)"/>).
/// Written in the transaction of each timeline event, from the event's units, so it is by construction what
/// <see cref="RecordAllUnitsSql"/> recomputes from <c>clue_events</c>.
/// </summary>
public sealed partial class ClueStore
{
    /// <summary>
    /// The event's units for the clue <paramref name="clue"/> (an expression), each once: one primary-key read of the clue
    /// for its report time and an insert each (the from unit only when it is another; a unit already there is left).
    /// </summary>
    internal static string RecordUnitsSql(string clue, string fromUnit, string toUnit) => $"""
        INSERT INTO clue_units (unit_id, created_at, clue_id)
        SELECT {toUnit}, c.created_at, c.id FROM clues c WHERE c.id = {clue} AND {toUnit} IS NOT NULL
        ON DUPLICATE KEY UPDATE clue_id = clue_units.clue_id;
        INSERT INTO clue_units (unit_id, created_at, clue_id)
        SELECT {fromUnit}, c.created_at, c.id FROM clues c WHERE c.id = {clue} AND {fromUnit} IS NOT NULL AND NOT ({fromUnit} <=> {toUnit})
        ON DUPLICATE KEY UPDATE clue_id = clue_units.clue_id;
        """;

    /// <summary>A new clue's unit (a new clue has no row here yet: no read, no duplicate).</summary>
    internal static string RecordReportedUnitSql(string clue) =>
        $"INSERT INTO clue_units (unit_id, created_at, clue_id) SELECT @UnitId, @CreatedAt, {clue} FROM DUAL WHERE @UnitId IS NOT NULL;";

    /// <summary>The whole table recomputed from every event (after a bulk load, a test's rows, and the migration's backfill: V0711).</summary>
    public const string RecordAllUnitsSql = """
        DELETE FROM clue_units;
        INSERT INTO clue_units (unit_id, created_at, clue_id)
        SELECT e.to_unit_id, c.created_at, c.id FROM clue_events e JOIN clues c ON c.id = e.clue_id WHERE e.to_unit_id IS NOT NULL
        ON DUPLICATE KEY UPDATE clue_id = clue_units.clue_id;
        INSERT INTO clue_units (unit_id, created_at, clue_id)
        SELECT e.from_unit_id, c.created_at, c.id FROM clue_events e JOIN clues c ON c.id = e.clue_id WHERE e.from_unit_id IS NOT NULL
        ON DUPLICATE KEY UPDATE clue_id = clue_units.clue_id;
        """;

    /// <summary>Recomputes <c>clue_units</c> from every event, in one transaction (events written outside the product: a bulk load, a test's rows).</summary>
    public async Task RecordAllUnitsAsync(MySqlConnection conn, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(RecordAllUnitsSql, transaction: tx, commandTimeout: 3600, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }
}
