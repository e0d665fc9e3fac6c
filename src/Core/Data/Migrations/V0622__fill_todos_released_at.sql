-- To-dos opened before the grace existed were all made at once.
UPDATE todos SET released_at = opened_at WHERE released_at IS NULL;
