CREATE TABLE work_group_members (
    work_group_id  BIGINT       NOT NULL,
    line_code      VARCHAR(16)  NOT NULL,
    user_id        BIGINT       NOT NULL,
    unit_id        BIGINT       NOT NULL,
    PRIMARY KEY (work_group_id, line_code, user_id),
    CONSTRAINT fk_wgm_group FOREIGN KEY (work_group_id) REFERENCES work_groups (id),
    CONSTRAINT fk_wgm_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_wgm_unit FOREIGN KEY (unit_id) REFERENCES units (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
