-- Issue 11: ix_clues_state_scope_created (V0565) begins with the same columns.
DROP INDEX ix_clues_state_created ON clues;
