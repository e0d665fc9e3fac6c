-- Issue 11: 我的待办's "unassigned in my unit and open" from the index alone (a town unit's 168 clues at 1,000,000 were
-- each looked up in the table for the state and the assignee).
CREATE INDEX ix_clues_unit_state_assignee ON clues (unit_id, state, assignee_user_id);
