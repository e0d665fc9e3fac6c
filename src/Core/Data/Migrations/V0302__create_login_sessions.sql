CREATE TABLE login_sessions (
    id           CHAR(32)     NOT NULL PRIMARY KEY COMMENT 'the sid claim of every token of one login',
    user_id      BIGINT       NOT NULL,
    refresh_jti  CHAR(32)     NOT NULL COMMENT 'the one refresh token that may be used next (rotated on each use)',
    created_at   DATETIME(6)  NOT NULL,
    expires_at   DATETIME(6)  NOT NULL COMMENT 'when the current refresh token expires',
    ended_at     DATETIME(6)  NULL,
    ended_reason VARCHAR(16)  NULL COMMENT 'logout | reuse (an old refresh token came back: the login is taken as stolen)',
    KEY ix_login_sessions_user (user_id),
    KEY ix_login_sessions_expires (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
