CREATE TABLE exchange_reads (
    id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    key_id         BIGINT        NOT NULL,
    occurred_at    DATETIME(6)   NOT NULL,
    resource       VARCHAR(64)   NOT NULL COMMENT 'clues | timeline | open311.requests | open311.services',
    subject        VARCHAR(200)  NULL COMMENT 'what was asked (a clue number, the paging), never personal data',
    item_count     INT           NOT NULL,
    KEY ix_exchange_reads_key (key_id, occurred_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
