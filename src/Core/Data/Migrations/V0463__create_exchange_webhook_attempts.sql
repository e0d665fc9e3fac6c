CREATE TABLE exchange_webhook_attempts (
    id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    webhook_id     BIGINT        NOT NULL,
    event_id       VARCHAR(64)   NOT NULL,
    attempt        INT           NOT NULL,
    attempted_at   DATETIME(6)   NOT NULL,
    status_code    INT           NULL COMMENT 'NULL when no answer came (refused connection, timeout)',
    error          VARCHAR(500)  NULL,
    elapsed_ms     INT           NOT NULL,
    KEY ix_exchange_webhook_attempts (webhook_id, attempted_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
