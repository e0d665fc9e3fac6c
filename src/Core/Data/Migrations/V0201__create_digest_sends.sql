CREATE TABLE digest_sends (
    chat_id    VARCHAR(128) NOT NULL COMMENT 'the open conversation id of the chat',
    day        DATE         NOT NULL COMMENT 'China date',
    kind       VARCHAR(16)  NOT NULL COMMENT 'Daily | Weekly | District',
    run_id     CHAR(32)     NOT NULL COMMENT 'the digest run that queued it (its outbox row is in the same transaction)',
    queued_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (chat_id, day),
    KEY ix_digest_sends_run (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
