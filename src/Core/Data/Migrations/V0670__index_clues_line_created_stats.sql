-- Issue 11: a line's statistics read per clue of its period (the times to accept and resolve, the open ones past their
-- due time) from the line's own range, from the index alone: through ix_clues_created_stats a line's year read the
-- whole province's year (200,000 entries at 1,000,000 clues) to keep its fifth.
CREATE INDEX ix_clues_line_created_stats ON clues (line_code, created_at, state, due_at, accepted_at, resolved_at);
