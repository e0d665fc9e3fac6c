-- Issue 11: the statistics' clues from before a period that closed since its start.
CREATE INDEX ix_clues_updated_created ON clues (updated_at, created_at);
