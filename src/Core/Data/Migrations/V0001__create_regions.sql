CREATE TABLE regions (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    parent_id  BIGINT       NULL,
    level      VARCHAR(16)  NOT NULL COMMENT 'City | District | Town',
    name       VARCHAR(64)  NOT NULL,
    town_kind  VARCHAR(16)  NULL COMMENT 'Street (街道) | Town (镇), towns only',
    UNIQUE KEY ux_regions_parent_name (parent_id, name),
    CONSTRAINT fk_regions_parent FOREIGN KEY (parent_id) REFERENCES regions (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
