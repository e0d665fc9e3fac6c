-- Issue 11: the supervision list, soonest deadline first.
CREATE INDEX ix_clues_supervised_due ON clues (supervised, supervision_due_at);
