CREATE TABLE holiday_years (
    year         INT          NOT NULL PRIMARY KEY,
    source       VARCHAR(300) NULL,
    imported_at  DATETIME(6)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
