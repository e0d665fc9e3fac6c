-- Issue 11: a unit's clues now, newest first.
CREATE INDEX ix_clues_unit_created ON clues (unit_id, created_at);
