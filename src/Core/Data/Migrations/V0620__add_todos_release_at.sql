ALTER TABLE todos ADD COLUMN release_at DATETIME(6) NULL
    COMMENT 'the end of the duty''s grace (DingTalk:Todos:GraceWorkingDays): the reminder evaluator hands it to DingTalk then, or earlier at the duty''s first reminder step; NULL: at once'
    AFTER opened_at;
