-- One DingTalk group chat belongs to at most one school's work group (NULLs, unbound groups, do not collide).
ALTER TABLE work_groups ADD UNIQUE KEY ux_work_groups_conversation (open_conversation_id);
