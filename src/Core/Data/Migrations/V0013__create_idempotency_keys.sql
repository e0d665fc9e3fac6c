CREATE TABLE idempotency_keys (
    scope        VARCHAR(64)   NOT NULL COMMENT 'e.g. clue:42:user:7 or report:user:7',
    idem_key     VARCHAR(100)  NOT NULL,
    outcome      JSON          NOT NULL,
    created_at   DATETIME(6)   NOT NULL,
    PRIMARY KEY (scope, idem_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
