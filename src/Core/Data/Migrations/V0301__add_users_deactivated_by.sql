ALTER TABLE users
    ADD COLUMN deactivated_by VARCHAR(16) NULL COMMENT 'admin | dingtalk: who deactivated the account; DingTalk rejoining reactivates only what DingTalk deactivated' AFTER active;
