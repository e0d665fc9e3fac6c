-- ix_clues_unit_state (unit_id, state) is a prefix of V0643's ix_clues_unit_state_assignee (unit_id, state, assignee_user_id):
-- every read that used it (the digests' and reminders' unit counts, the lists' unit branches, the unit_id foreign key)
-- reads the longer one in the same order, and a clue's every write kept both.
DROP INDEX ix_clues_unit_state ON clues;
