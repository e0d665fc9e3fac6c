-- Issue 11: the lists' branches of clues a unit held before (from clue_events) need each clue's report time to be
-- ordered: read from this narrow index instead of the clue's whole row (a district department's ~1,000 look-ups of
-- rows spread over the table, mostly from disk, were most of its list's time at 1,000,000 clues).
CREATE UNIQUE INDEX ux_clues_id_created ON clues (id, created_at);
