-- Issue 11: every unit a clue's timeline names (from_unit_id / to_unit_id of its events: the units that held it, whose
-- staff may still read it), with the clue's report time, so that the lists' branch "clues my units held" reads its
-- primary key newest first and stops once the page is full (it read every event of the unit to order their clues, which
-- grows with the table). Kept in the transaction of each event (ClueStore.RecordUnitsSql); equal by construction to
-- its recomputation from clue_events (ClueStore.RecordAllUnitsSql, V0711). A clue is never deleted by the product;
-- the cascade keeps the rows of clues a test or a tool removes from answering for them.
CREATE TABLE clue_units (
    unit_id    BIGINT       NOT NULL,
    created_at DATETIME(6)  NOT NULL COMMENT 'the clue''s report time (clues.created_at, which never changes)',
    clue_id    BIGINT       NOT NULL,
    PRIMARY KEY (unit_id, created_at, clue_id),
    KEY ix_clue_units_clue (clue_id, unit_id),
    CONSTRAINT fk_clue_units_clue FOREIGN KEY (clue_id) REFERENCES clues (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
