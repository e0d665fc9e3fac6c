-- Issue 11: 我的待办's "assigned to me and open" from the index alone (ix_clues_assignee_created read every clue the
-- person was ever assigned, each with a look-up of its row for the state).
CREATE INDEX ix_clues_assignee_state ON clues (assignee_user_id, state);
