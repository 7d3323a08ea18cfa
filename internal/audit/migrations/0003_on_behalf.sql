-- A reseller's user acting for one of its customers (cp.av.7.1) is recorded as the actor,
-- with the customer it acted for beside it (audit.Actor.OnBehalfOf).
ALTER TABLE audit_entries ADD COLUMN on_behalf_of BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_entries ADD COLUMN on_behalf_of_label TEXT NOT NULL DEFAULT '';
