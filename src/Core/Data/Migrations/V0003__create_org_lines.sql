CREATE TABLE org_lines (
    code          VARCHAR(16)  NOT NULL PRIMARY KEY,
    name_zh       VARCHAR(100) NOT NULL,
    short_zh      VARCHAR(50)  NULL,
    city_name_zh  VARCHAR(100) NULL,
    town_unit_zh  VARCHAR(50)  NULL,
    is_town_line  TINYINT(1)   NOT NULL DEFAULT 0
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
