CREATE TABLE grid_push_signatures (
    signature      CHAR(64)      NOT NULL PRIMARY KEY COMMENT 'HMAC-SHA256 of a push seen within the replay window (hex)',
    expires_at     DATETIME(6)   NOT NULL,
    KEY ix_grid_push_signatures_expiry (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
