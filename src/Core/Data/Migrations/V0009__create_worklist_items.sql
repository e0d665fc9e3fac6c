CREATE TABLE worklist_items (
    no                  INT           NOT NULL PRIMARY KEY,
    owner_line          VARCHAR(16)   NOT NULL,
    hazard              TINYINT(1)    NOT NULL,
    label               VARCHAR(64)   NOT NULL,
    label_en            VARCHAR(200)  NOT NULL,
    duty_zh             VARCHAR(500)  NOT NULL,
    escalation_unit_id  BIGINT        NULL COMMENT 'where a line with no unit at the next tier escalates',
    CONSTRAINT fk_worklist_line FOREIGN KEY (owner_line) REFERENCES org_lines (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
