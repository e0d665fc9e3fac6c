-- Issue 11: clue_units for the events already there (the text of ClueStore.RecordAllUnitsSql, which a test keeps equal).
DELETE FROM clue_units;
INSERT INTO clue_units (unit_id, created_at, clue_id)
SELECT e.to_unit_id, c.created_at, c.id FROM clue_events e JOIN clues c ON c.id = e.clue_id WHERE e.to_unit_id IS NOT NULL
ON DUPLICATE KEY UPDATE clue_id = clue_units.clue_id;
INSERT INTO clue_units (unit_id, created_at, clue_id)
SELECT e.from_unit_id, c.created_at, c.id FROM clue_events e JOIN clues c ON c.id = e.clue_id WHERE e.from_unit_id IS NOT NULL
ON DUPLICATE KEY UPDATE clue_id = clue_units.clue_id;
