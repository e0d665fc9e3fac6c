CREATE TABLE callback_replays (
    replay_key   VARCHAR(160)  NOT NULL COMMENT 'card:/robot: + SHA-256 of the signed header pair, or robot-msg: + the message id',
    body_hash    BINARY(32)    NOT NULL COMMENT 'SHA-256 of the body first accepted with this key',
    reply        MEDIUMTEXT    NULL     COMMENT 'the answer given, repeated to the same request (no chat text kept past expires_at)',
    expires_at   DATETIME(6)   NOT NULL,
    PRIMARY KEY (replay_key),
    KEY ix_callback_replays_expires (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
