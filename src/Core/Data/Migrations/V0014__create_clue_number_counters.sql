CREATE TABLE clue_number_counters (
    day       DATE  NOT NULL PRIMARY KEY,
    last_seq  INT   NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
