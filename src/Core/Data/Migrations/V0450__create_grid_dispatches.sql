CREATE TABLE grid_dispatches (
    dispatch_id    VARCHAR(64)   NOT NULL PRIMARY KEY COMMENT 'ours, sent as the idempotency key: clue number + version, e.g. XA20261129-0007-6',
    clue_id        BIGINT        NOT NULL,
    clue_version   INT           NOT NULL COMMENT 'the version the approval (or the redo) produced',
    state          VARCHAR(16)   NOT NULL COMMENT 'Accepted | Refused | Failed',
    event_id       VARCHAR(64)   NULL COMMENT 'the four platforms'' event id, from their acceptance',
    reason         VARCHAR(500)  NULL COMMENT 'why the gateway refused it, or the last error',
    attempts       INT           NOT NULL,
    decided_at     DATETIME(6)   NOT NULL,
    UNIQUE KEY ux_grid_dispatches_event (event_id),
    KEY ix_grid_dispatches_clue (clue_id, decided_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
