ALTER TABLE todos ADD COLUMN released_at DATETIME(6) NULL
    COMMENT 'when it was handed to DingTalk (its sync creates it): at once, or by the reminder evaluator after the grace; NULL: held back, and never created if the duty ends first'
    AFTER release_at;
