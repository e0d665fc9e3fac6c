CREATE TABLE worklist_progress (
    id                BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    task_id           BIGINT         NOT NULL,
    unit_id           BIGINT         NOT NULL COMMENT 'the reporting district unit of the owning line',
    reporter_user_id  BIGINT         NOT NULL,
    amount            DECIMAL(14,2)  NULL COMMENT 'e.g. 80 (new 30 km/h signs)',
    text              VARCHAR(500)   NULL,
    progress_date     DATE           NOT NULL,
    done              TINYINT(1)     NOT NULL DEFAULT 0 COMMENT 'the department marks the task done',
    created_at        DATETIME(6)    NOT NULL,
    KEY ix_worklist_progress_task (task_id, id),
    CONSTRAINT fk_worklist_progress_task FOREIGN KEY (task_id) REFERENCES worklist_tasks (id),
    CONSTRAINT fk_worklist_progress_unit FOREIGN KEY (unit_id) REFERENCES units (id),
    CONSTRAINT fk_worklist_progress_user FOREIGN KEY (reporter_user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
