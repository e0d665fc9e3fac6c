-- Issue 11: the statistics' open clues from before a period counted from the index alone for a line or a school too
-- (a line's 22,000 look-ups of the rows took a second); replaces ix_clues_state_created (V0566).
CREATE INDEX ix_clues_state_scope_created ON clues (state, created_at, line_code, school_id);
