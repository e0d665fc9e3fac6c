CREATE TABLE exchange_webhooks (
    id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    line_code      VARCHAR(16)   NOT NULL,
    url            VARCHAR(500)  NOT NULL,
    event_kinds    VARCHAR(500)  NOT NULL COMMENT 'comma-separated clue actions in lower case (report,accept,…), or *',
    secret         VARCHAR(100)  NOT NULL COMMENT 'signs the deliveries (HMAC-SHA256); shown to the admin once',
    created_by     BIGINT        NOT NULL,
    created_at     DATETIME(6)   NOT NULL,
    disabled_at    DATETIME(6)   NULL,
    KEY ix_exchange_webhooks_line (line_code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
