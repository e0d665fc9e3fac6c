CREATE TABLE app_settings (
    name        VARCHAR(100)  NOT NULL PRIMARY KEY,
    value       VARCHAR(1000) NOT NULL,
    updated_at  DATETIME(6)   NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
