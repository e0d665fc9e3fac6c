CREATE TABLE users (
    id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dingtalk_user_id  VARCHAR(64)  NOT NULL,
    union_id          VARCHAR(64)  NULL,
    name              VARCHAR(64)  NOT NULL,
    mobile            VARCHAR(32)  NULL,
    active            TINYINT(1)   NOT NULL DEFAULT 1,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    UNIQUE KEY ux_users_dingtalk (dingtalk_user_id),
    KEY ix_users_union (union_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
