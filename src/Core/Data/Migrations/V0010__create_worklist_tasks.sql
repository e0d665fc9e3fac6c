CREATE TABLE worklist_tasks (
    id        BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    item_no   INT           NOT NULL,
    seq       INT           NOT NULL,
    text_zh   VARCHAR(500)  NOT NULL,
    due       VARCHAR(32)   NOT NULL COMMENT 'yyyy-MM-dd or 全年常态',
    UNIQUE KEY ux_worklist_tasks (item_no, seq),
    CONSTRAINT fk_worklist_tasks_item FOREIGN KEY (item_no) REFERENCES worklist_items (no)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
