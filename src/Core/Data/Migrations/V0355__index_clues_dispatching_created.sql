-- Issue 11: clues a unit dispatched to the four platforms, newest first.
CREATE INDEX ix_clues_dispatching_created ON clues (dispatching_unit_id, created_at);
