-- Issue 11: what the statistics read per clue of a period (the times to accept and resolve, the open ones past their
-- due time), from the index alone, whatever the scope.
CREATE INDEX ix_clues_created_stats ON clues (created_at, line_code, school_id, state, due_at, accepted_at, resolved_at);
