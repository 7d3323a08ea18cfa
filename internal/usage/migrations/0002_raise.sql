-- A plan raised for usage above it (cp.av.9.1), where the pack or the customer's choice
-- says so: once per service and month. 'pending' until contracts has moved the
-- subscription; a rerun after a crash finishes it without raising twice.
CREATE TABLE usage_raises (
	id {{pk}},
	service_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	subscription_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	from_plan_id BIGINT NOT NULL,
	to_plan_id BIGINT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending',
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (service_id, month)
);
CREATE INDEX usage_raises_status ON usage_raises (status, id);
