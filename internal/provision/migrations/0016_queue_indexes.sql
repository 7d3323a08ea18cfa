-- The staff's queue by keyset, newest first (provision.Queue, issue 16): a status is
-- a range of (status, id), in the list's order.
CREATE INDEX provision_tasks_status ON provision_tasks (status, id);
