ALTER TABLE clues
    ADD COLUMN rating         VARCHAR(16)  NULL COMMENT 'Satisfied, Basic, Unsatisfied, or Unrated after the rating time',
    ADD COLUMN rated_at       DATETIME(6)  NULL,
    ADD COLUMN rating_due_at  DATETIME(6)  NULL COMMENT '3 working days after the resolve',
    ADD COLUMN redo           TINYINT(1)   NOT NULL DEFAULT 0 COMMENT 'reopened by a 不满意 rating (重办)';
