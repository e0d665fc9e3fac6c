-- Issue 11: the statistics' summary and each clue's first acceptance for the clues already there (the text of
-- ClueStore.SummariseAllSql, which a test keeps equal).
DELETE FROM clue_daily;
DELETE FROM clue_daily_closings;
UPDATE clues c SET c.accepted_at = (SELECT MIN(e.occurred_at) FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'Accept') WHERE 1 = 1;
INSERT INTO clue_daily (day, line_code, school_id, item_no, town_id, state, clues, escalated, returned, extensions, redo,
                        resolved_late, satisfied, basic, unsatisfied, unrated)
SELECT * FROM (
    SELECT DATE(c.created_at + INTERVAL 8 HOUR) AS day, c.line_code, c.school_id, c.item_no, c.town_id, c.state,
           +COUNT(*) AS clues,
           +COUNT(CASE WHEN EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND e.action IN ('Escalate', 'ApproveEscalation')) THEN 1 END) AS escalated,
           +COUNT(CASE WHEN EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'Return') THEN 1 END) AS returned,
           +COALESCE(SUM((SELECT COUNT(*) FROM clue_events e WHERE e.clue_id = c.id AND e.action = 'ApproveExtension')), 0) AS extensions,
           +COUNT(CASE WHEN c.redo = 1 THEN 1 END) AS redo,
           +COUNT(CASE WHEN c.state = 'Resolved' AND COALESCE(c.resolved_at, c.updated_at) > c.due_at THEN 1 END) AS resolved_late,
           +COUNT(CASE WHEN c.rating = 'Satisfied' THEN 1 END) AS satisfied,
           +COUNT(CASE WHEN c.rating = 'Basic' THEN 1 END) AS basic,
           +COUNT(CASE WHEN c.rating = 'Unsatisfied' THEN 1 END) AS unsatisfied,
           +COUNT(CASE WHEN c.rating = 'Unrated' THEN 1 END) AS unrated
      FROM clues c
     WHERE 1 = 1
     GROUP BY day, c.line_code, c.school_id, c.item_no, c.town_id, c.state) AS d
ON DUPLICATE KEY UPDATE clues = clue_daily.clues + d.clues, escalated = clue_daily.escalated + d.escalated,
    returned = clue_daily.returned + d.returned, extensions = clue_daily.extensions + d.extensions, redo = clue_daily.redo + d.redo,
    resolved_late = clue_daily.resolved_late + d.resolved_late, satisfied = clue_daily.satisfied + d.satisfied,
    basic = clue_daily.basic + d.basic, unsatisfied = clue_daily.unsatisfied + d.unsatisfied, unrated = clue_daily.unrated + d.unrated;
INSERT INTO clue_daily_closings (day, line_code, school_id, closed)
SELECT * FROM (
    SELECT DATE(GREATEST(CASE WHEN c.state = 'Resolved' THEN COALESCE(c.resolved_at, c.updated_at) ELSE c.updated_at END, c.created_at) + INTERVAL 8 HOUR) AS day, c.line_code, c.school_id, +COUNT(*) AS closed
      FROM clues c
     WHERE c.state IN ('Resolved', 'Withdrawn') AND (1 = 1)
     GROUP BY day, c.line_code, c.school_id) AS d
ON DUPLICATE KEY UPDATE closed = clue_daily_closings.closed + d.closed;
