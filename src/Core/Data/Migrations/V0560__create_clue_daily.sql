-- Issue 11: the statistics' daily summary of the clues by report day (China date) and the dimensions the figures
-- count by; maintained with each clue change in the same transaction (ClueStore.Summary), so nothing drifts.
CREATE TABLE clue_daily (
    day            DATE         NOT NULL COMMENT 'the China date of the report',
    line_code      VARCHAR(16)  NOT NULL,
    school_id      BIGINT       NOT NULL,
    item_no        INT          NOT NULL,
    town_id        BIGINT       NOT NULL,
    state          VARCHAR(32)  NOT NULL,
    clues          INT          NOT NULL,
    escalated      INT          NOT NULL COMMENT 'ever escalated (requested and approved, or at once)',
    returned       INT          NOT NULL COMMENT 'ever returned by an upper tier',
    extensions     INT          NOT NULL COMMENT 'approved extensions, over every tier',
    redo           INT          NOT NULL,
    resolved_late  INT          NOT NULL COMMENT 'resolved after their due time',
    satisfied      INT          NOT NULL,
    basic          INT          NOT NULL,
    unsatisfied    INT          NOT NULL,
    unrated        INT          NOT NULL,
    PRIMARY KEY (day, line_code, school_id, item_no, town_id, state),
    -- A line's or a school's period read from the index alone (every column in it).
    KEY ix_clue_daily_line (line_code, day, school_id, item_no, town_id, state, clues, escalated, returned, extensions, redo,
                            resolved_late, satisfied, basic, unsatisfied, unrated),
    KEY ix_clue_daily_school (school_id, day, line_code, item_no, town_id, state, clues, escalated, returned, extensions, redo,
                              resolved_late, satisfied, basic, unsatisfied, unrated)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
