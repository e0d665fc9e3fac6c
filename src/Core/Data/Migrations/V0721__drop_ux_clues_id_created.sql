-- ux_clues_id_created (id, created_at) served the lists' branch of the clues a unit held (V0640), which reads clue_units
-- since V0710; no statement names it now, a clue is found by its primary key, and every report paid its unique check.
DROP INDEX ux_clues_id_created ON clues;
