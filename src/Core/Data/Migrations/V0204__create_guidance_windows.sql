CREATE TABLE guidance_windows (
    year       INT          NOT NULL,
    seq        INT          NOT NULL,
    name       VARCHAR(64)  NOT NULL,
    starts_on  DATE         NOT NULL,
    ends_on    DATE         NOT NULL,
    PRIMARY KEY (year, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
