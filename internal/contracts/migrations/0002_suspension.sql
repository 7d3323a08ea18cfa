-- Suspension of an organisation's services and their termination for default
-- (cp.av.3.8, cp.av.13.10, fo.av.16.5.2, fo.av.20.4). A subscription is suspended while
-- its organisation has at least one active hold; suspension_seq counts changes of that
-- state and suspension_synced the last one the provisioning hook carried out, so a
-- failed hook is retried by SyncSuspensions.
ALTER TABLE subscriptions ADD COLUMN suspended_at {{ts}};
ALTER TABLE subscriptions ADD COLUMN suspension_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN suspension_synced INTEGER NOT NULL DEFAULT 0;
CREATE INDEX subscriptions_suspension ON subscriptions (pack, suspension_seq, suspension_synced);

-- One row per reason an organisation's services are suspended: "invoice:123" (dunning)
-- or "staff". Lifting a hold keeps the row; suspending again for the same reason
-- reopens it.
CREATE TABLE suspension_holds (
	id {{pk}},
	pack TEXT NOT NULL,
	org_id BIGINT NOT NULL,
	ref TEXT NOT NULL,
	reason TEXT NOT NULL,
	explanation TEXT NOT NULL,
	suspended_at {{ts}} NOT NULL,
	lifted_at {{ts}},
	UNIQUE (pack, org_id, ref)
);

-- Terminations for default: each reason terminates an organisation's agreements once.
CREATE TABLE default_terminations (
	id {{pk}},
	pack TEXT NOT NULL,
	org_id BIGINT NOT NULL,
	ref TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	subscriptions INTEGER NOT NULL,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (pack, org_id, ref)
);
