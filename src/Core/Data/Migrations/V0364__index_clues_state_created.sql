-- Issue 11: the statistics' clues still open from before a period (five tight ranges, one per open state).
CREATE INDEX ix_clues_state_created ON clues (state, created_at);
