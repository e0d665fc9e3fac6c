CREATE TABLE inbox_events (
    id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_key      VARCHAR(128)  NOT NULL COMMENT 'DingTalk eventId, or fb: + SHA-256 of (EventType, CorpId, BizId, EventTime)',
    source         VARCHAR(16)   NOT NULL COMMENT 'http | stream',
    event_type     VARCHAR(64)   NOT NULL,
    payload        MEDIUMTEXT    NOT NULL COMMENT 'the decrypted event JSON (never logged)',
    received_at    DATETIME(6)   NOT NULL,
    next_attempt_at DATETIME(6)  NOT NULL COMMENT 'due time; while claimed, the end of the lease',
    attempts       INT           NOT NULL DEFAULT 0,
    claim_token    CHAR(32)      NULL,
    processed_at   DATETIME(6)   NULL,
    dead_at        DATETIME(6)   NULL,
    outcome        VARCHAR(200)  NULL COMMENT 'what processing did, e.g. deactivated 1 user',
    last_error     VARCHAR(1000) NULL,
    UNIQUE KEY ux_inbox_events_key (event_key),
    KEY ix_inbox_events_due (processed_at, dead_at, next_attempt_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
