CREATE TABLE memberships (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id     BIGINT       NOT NULL,
    role        VARCHAR(32)  NOT NULL COMMENT 'Reporter | Handler | UnitHead | Liaison | CoLeader | EduAdmin',
    unit_id     BIGINT       NOT NULL DEFAULT 0 COMMENT '0 = not unit-scoped',
    school_id   BIGINT       NOT NULL DEFAULT 0 COMMENT '0 = not school-scoped',
    title       VARCHAR(32)  NULL COMMENT 'CoLeader: GridInstructor | SchoolLeader',
    created_at  DATETIME(6)  NOT NULL,
    liaison_unit_id BIGINT AS (IF(role = 'Liaison', unit_id, NULL)) STORED,
    UNIQUE KEY ux_memberships (user_id, role, unit_id, school_id),
    UNIQUE KEY ux_memberships_one_liaison (liaison_unit_id),
    KEY ix_memberships_unit (unit_id, role),
    KEY ix_memberships_school (school_id, role),
    CONSTRAINT fk_memberships_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
