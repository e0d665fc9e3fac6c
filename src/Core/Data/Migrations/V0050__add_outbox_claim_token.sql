ALTER TABLE outbox
    ADD COLUMN claim_token CHAR(32) NULL COMMENT 'set while a dispatcher holds the row; next_attempt_at is then the lease end' AFTER dead_at;
