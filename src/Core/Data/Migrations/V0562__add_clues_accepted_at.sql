-- Issue 11: when a clue was first accepted (its first Accept event), kept on the clue for the statistics' time to accept.
ALTER TABLE clues ADD COLUMN accepted_at DATETIME(6) NULL AFTER resolved_at;
