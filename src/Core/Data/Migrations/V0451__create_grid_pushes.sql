CREATE TABLE grid_pushes (
    push_id        VARCHAR(64)   NOT NULL PRIMARY KEY COMMENT 'the platforms'' id of this push: the same id again changes nothing',
    event_id       VARCHAR(64)   NOT NULL,
    clue_id        BIGINT        NOT NULL,
    kind           VARCHAR(16)   NOT NULL COMMENT 'progress | result',
    stage          VARCHAR(32)   NULL,
    payload        MEDIUMTEXT    NOT NULL COMMENT 'the body as received (signed)',
    received_at    DATETIME(6)   NOT NULL,
    outcome        VARCHAR(16)   NULL COMMENT 'Applied | Kept (the clue was no longer at the four platforms); NULL while being applied',
    outcome_note   VARCHAR(500)  NULL,
    KEY ix_grid_pushes_clue (clue_id, received_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
