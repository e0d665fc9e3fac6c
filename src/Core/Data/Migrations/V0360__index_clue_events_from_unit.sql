-- Issue 11: the clues a unit held before (its staff may still read them).
CREATE INDEX ix_clue_events_from_unit ON clue_events (from_unit_id, clue_id);
