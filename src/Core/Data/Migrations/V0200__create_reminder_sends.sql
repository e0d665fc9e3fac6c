CREATE TABLE reminder_sends (
    subject_kind  VARCHAR(16)  NOT NULL COMMENT 'Clue | Finding | Task | Guidance',
    subject_id    BIGINT       NOT NULL COMMENT 'the clue, finding, work-list task or school',
    step          VARCHAR(32)  NOT NULL COMMENT 'the reminder step, e.g. accept-due',
    due_key       VARCHAR(32)  NOT NULL COMMENT 'the due time (or the China date for daily steps) the step is about',
    run_id        CHAR(32)     NOT NULL COMMENT 'the evaluator run that queued it (its outbox row is in the same transaction)',
    queued_at     DATETIME(6)  NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, step, due_key),
    KEY ix_reminder_sends_run (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
