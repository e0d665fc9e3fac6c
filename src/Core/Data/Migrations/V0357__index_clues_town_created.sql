-- Issue 11: the town filter, newest first.
CREATE INDEX ix_clues_town_created ON clues (town_id, created_at);
