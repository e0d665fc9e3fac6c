-- Issue 11: a school's clues, newest first.
CREATE INDEX ix_clues_school_created ON clues (school_id, created_at);
