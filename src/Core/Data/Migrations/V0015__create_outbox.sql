CREATE TABLE outbox (
    id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    topic            VARCHAR(64)   NOT NULL COMMENT 'what to send, e.g. clue.card.deliver',
    ordering_key     VARCHAR(100)  NULL COMMENT 'rows with one key are sent in id order (e.g. one card)',
    payload          JSON          NOT NULL,
    created_at       DATETIME(6)   NOT NULL,
    next_attempt_at  DATETIME(6)   NOT NULL,
    attempts         INT           NOT NULL DEFAULT 0,
    last_error       VARCHAR(1000) NULL,
    sent_at          DATETIME(6)   NULL,
    dead_at          DATETIME(6)   NULL,
    KEY ix_outbox_due (sent_at, dead_at, next_attempt_at),
    KEY ix_outbox_ordering (ordering_key, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
