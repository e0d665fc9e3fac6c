CREATE TABLE work_groups (
    id                    BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    school_id             BIGINT       NOT NULL,
    name                  VARCHAR(100) NOT NULL,
    open_conversation_id  VARCHAR(128) NULL,
    UNIQUE KEY ux_work_groups_school (school_id),
    CONSTRAINT fk_work_groups_school FOREIGN KEY (school_id) REFERENCES schools (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
