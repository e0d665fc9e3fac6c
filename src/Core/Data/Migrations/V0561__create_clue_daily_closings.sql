-- Issue 11: the clues closed (resolved or withdrawn, as they stand) by the China date they closed on (never before
-- their report), for the statistics' open-by-day; maintained with clue_daily.
CREATE TABLE clue_daily_closings (
    day        DATE         NOT NULL,
    line_code  VARCHAR(16)  NOT NULL,
    school_id  BIGINT       NOT NULL,
    closed     INT          NOT NULL,
    PRIMARY KEY (day, line_code, school_id),
    -- A line's or a school's days read from the index alone.
    KEY ix_clue_daily_closings_line (line_code, day, school_id, closed),
    KEY ix_clue_daily_closings_school (school_id, day, line_code, closed)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
