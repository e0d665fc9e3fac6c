ALTER TABLE outbox
    ADD COLUMN progress VARCHAR(4000) NULL COMMENT 'JSON: what earlier attempts already delivered (card created, spaces or users done)' AFTER claim_token;
