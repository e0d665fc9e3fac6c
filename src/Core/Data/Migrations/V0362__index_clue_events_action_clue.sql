-- Issue 11: the statistics' acceptances, escalations and returns of a period's clues, one range each.
CREATE INDEX ix_clue_events_action_clue ON clue_events (action, clue_id, occurred_at);
