-- Issue 11: a line's clues (its liaison's list, a department's statistics), newest first.
CREATE INDEX ix_clues_line_created ON clues (line_code, created_at);
