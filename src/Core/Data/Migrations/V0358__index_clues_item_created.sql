-- Issue 11: the category filter, newest first.
CREATE INDEX ix_clues_item_created ON clues (item_no, created_at);
