CREATE TABLE dingtalk_usage (
    month  CHAR(7)      NOT NULL COMMENT 'yyyy-MM, China time',
    api    VARCHAR(64)  NOT NULL COMMENT 'the metered API, e.g. robot.oToMessages.batchSend',
    calls  BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (month, api)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
