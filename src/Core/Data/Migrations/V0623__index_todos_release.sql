-- The reminder evaluator's look for held-back to-dos whose grace has ended.
CREATE INDEX ix_todos_release ON todos (released_at, closed_at, release_at);
