CREATE TABLE exchange_api_keys (
    id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    line_code      VARCHAR(16)   NOT NULL COMMENT 'the one line whose clues the key reads',
    name           VARCHAR(100)  NOT NULL COMMENT 'the system it was issued to',
    key_prefix     VARCHAR(16)   NOT NULL COMMENT 'the first characters, to tell keys apart in lists',
    key_hash       CHAR(64)      NOT NULL COMMENT 'SHA-256 of the key (hex); the key itself is shown once and never stored',
    created_by     BIGINT        NOT NULL,
    created_at     DATETIME(6)   NOT NULL,
    expires_at     DATETIME(6)   NOT NULL,
    revoked_at     DATETIME(6)   NULL,
    last_used_at   DATETIME(6)   NULL,
    UNIQUE KEY ux_exchange_api_keys_hash (key_hash),
    KEY ix_exchange_api_keys_line (line_code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
