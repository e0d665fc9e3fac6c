-- Issue 11: 'assigned to me', newest first (also the to-do list's first branch).
CREATE INDEX ix_clues_assignee_created ON clues (assignee_user_id, created_at);
