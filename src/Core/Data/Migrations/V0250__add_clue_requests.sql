ALTER TABLE clues
    ADD COLUMN pending_request       VARCHAR(16)  NULL COMMENT 'Dispatch, Escalation or Extension: awaits the head of the holding unit',
    ADD COLUMN requested_by_user_id  BIGINT       NULL COMMENT 'who made the waiting request (never its approver)',
    ADD COLUMN requested_due_at      DATETIME(6)  NULL COMMENT 'extension: the due time asked for',
    ADD COLUMN extensions_at_tier    INT          NOT NULL DEFAULT 0 COMMENT 'approved extensions at the current tier';
