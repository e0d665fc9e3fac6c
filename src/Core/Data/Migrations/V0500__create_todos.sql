CREATE TABLE todos (
    id                BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY COMMENT 'sent to DingTalk as the sourceId schoolsafety-todo-<id> (a repeat of it is refused there)',
    subject_kind      VARCHAR(16)   NOT NULL COMMENT 'Clue | Guidance',
    subject_id        BIGINT        NOT NULL COMMENT 'the clue, or the guidance record',
    finding_id        BIGINT        NULL COMMENT 'the finding to rectify (Guidance only)',
    duty              VARCHAR(32)   NOT NULL COMMENT 'TodoDuty: Accept, Reroute, ApproveDispatch, ApproveEscalation, ApproveExtension, ConfirmResult, Rate, Rectify',
    executors         VARCHAR(1000) NOT NULL COMMENT 'our user ids, ascending, comma-separated: who must act',
    due_at            DATETIME(6)   NULL,
    opened_at         DATETIME(6)   NOT NULL,
    closed_at         DATETIME(6)   NULL COMMENT 'the duty ended (someone acted, the clue moved, to-dos switched off)',
    task_id           VARCHAR(100)  NULL COMMENT 'DingTalk''s task id once created',
    operator_union_id VARCHAR(64)   NULL COMMENT 'the unionId in the path of the create (and of the completion)',
    completed_at      DATETIME(6)   NULL COMMENT 'DingTalk was told it is done',
    without_union_id  VARCHAR(1000) NULL COMMENT 'executors who got no to-do: no unionId on their account',
    KEY ix_todos_subject (subject_kind, subject_id, closed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
