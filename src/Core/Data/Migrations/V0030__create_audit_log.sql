CREATE TABLE audit_log (
    id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    occurred_at    DATETIME(6)   NOT NULL,
    actor_user_id  BIGINT        NOT NULL,
    action         VARCHAR(32)   NOT NULL COMMENT 'ClueRead | PhotoLink | Export | …',
    subject_type   VARCHAR(32)   NOT NULL COMMENT 'clue | photo | export | …',
    subject_id     VARCHAR(100)  NOT NULL,
    detail         VARCHAR(500)  NULL COMMENT 'what was read or exported; never personal data',
    KEY ix_audit_actor (actor_user_id, occurred_at),
    KEY ix_audit_subject (subject_type, subject_id, occurred_at),
    KEY ix_audit_time (occurred_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
