-- When the provisioning layer deleted a service's data after the retention period
-- (cp.av.13.6); NULL while the deletion is still due or not yet due.
ALTER TABLE deletion_schedule ADD COLUMN done_at {{ts}};
