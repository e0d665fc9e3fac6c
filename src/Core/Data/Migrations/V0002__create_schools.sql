CREATE TABLE schools (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    town_id        BIGINT       NOT NULL,
    name           VARCHAR(100) NOT NULL,
    is_pilot       TINYINT(1)   NOT NULL DEFAULT 0,
    rollout_phase  INT          NOT NULL DEFAULT 1,
    active         TINYINT(1)   NOT NULL DEFAULT 1,
    UNIQUE KEY ux_schools_town_name (town_id, name),
    CONSTRAINT fk_schools_town FOREIGN KEY (town_id) REFERENCES regions (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
