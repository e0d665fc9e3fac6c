-- Issue 8: the reminder run's district liaisons and EDU admins, read by role (was a scan of every membership).
CREATE INDEX ix_memberships_role ON memberships (role);
