CREATE TABLE units (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    line_code  VARCHAR(16)  NOT NULL,
    level      VARCHAR(16)  NOT NULL COMMENT 'Town | District | City',
    region_id  BIGINT       NOT NULL,
    name       VARCHAR(100) NOT NULL,
    is_task_force_office TINYINT(1) NOT NULL DEFAULT 0,
    UNIQUE KEY ux_units_line_level_region (line_code, level, region_id, name),
    KEY ix_units_line_level (line_code, level),
    CONSTRAINT fk_units_line FOREIGN KEY (line_code) REFERENCES org_lines (code),
    CONSTRAINT fk_units_region FOREIGN KEY (region_id) REFERENCES regions (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
