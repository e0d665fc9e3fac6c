-- Issue 11: 'reported by me', newest first.
CREATE INDEX ix_clues_reporter_created ON clues (reporter_user_id, created_at);
