-- Issue 8: the resolved clues still awaiting their reporter's rating (the digests' 待回访 count, the reminders' rate step):
-- one range (Resolved, NULL, after now) instead of every closed clue of the province.
CREATE INDEX ix_clues_rating_due ON clues (state, rating, rating_due_at);
