CREATE TABLE holiday_days (
    day    DATE         NOT NULL PRIMARY KEY,
    year   INT          NOT NULL,
    kind   VARCHAR(8)   NOT NULL COMMENT 'Off (holiday) | Work (adjusted working weekend, 调休)',
    name   VARCHAR(32)  NOT NULL,
    KEY ix_holiday_days_year (year)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
