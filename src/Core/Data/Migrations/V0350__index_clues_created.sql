-- Issue 11: the admin's list, newest first, read from the index and stopped after the page.
CREATE INDEX ix_clues_created ON clues (created_at, id);
