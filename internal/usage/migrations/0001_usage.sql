-- Usage metering (cp.av.5.11, cp.av.9.1-9.4, fo.av.12.1-12.4; INTERPRETATION "Limits and
-- fair use"). Samples are raw measurements; usage_months holds the monthly aggregate per
-- service and metric, maintained with every batch of samples, so that reads and the
-- decisions that use them never scan samples.

-- What usage knows of a metered service: its customer, plan and limits as they were at
-- the last sample (a plan change shows from the next sample on).
CREATE TABLE usage_services (
	service_id BIGINT PRIMARY KEY,
	org_id BIGINT NOT NULL,
	subscription_id BIGINT NOT NULL,
	plan_id BIGINT NOT NULL,
	plan_name TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL,
	storage_limit_mb BIGINT,   -- NULL: the plan states no limit
	traffic_limit_gb BIGINT,   -- NULL: the plan states no limit
	overage_mode TEXT NOT NULL DEFAULT '', -- the customer's choice: bill or raise; '' the pack's
	updated_at {{ts}} NOT NULL
);
CREATE INDEX usage_services_org ON usage_services (org_id, service_id);
CREATE INDEX usage_services_plan ON usage_services (plan_id, service_id);

-- One measurement. idem_key is the sender's (API) or the collector's key: a repeated
-- delivery hits the unique key and changes nothing.
CREATE TABLE usage_samples (
	id {{pk}},
	idem_key TEXT NOT NULL UNIQUE,
	service_id BIGINT NOT NULL,
	metric TEXT NOT NULL,
	value BIGINT NOT NULL,
	measured_at {{ts}} NOT NULL,
	source TEXT NOT NULL,
	received_at {{ts}} NOT NULL
);
CREATE INDEX usage_samples_series ON usage_samples (service_id, metric, measured_at);

-- The last sample of each counter series, the baseline of the next increase.
CREATE TABLE usage_series (
	service_id BIGINT NOT NULL,
	metric TEXT NOT NULL,
	last_value BIGINT NOT NULL,
	last_at {{ts}} NOT NULL,
	PRIMARY KEY (service_id, metric)
);

-- The month's aggregate (calendar month, Europe/Amsterdam): counters the sum of their
-- increases (a value below the one before starts a new counter run), gauges the month's
-- highest value.
CREATE TABLE usage_months (
	service_id BIGINT NOT NULL,
	metric TEXT NOT NULL,
	month TEXT NOT NULL,
	amount BIGINT NOT NULL,
	samples BIGINT NOT NULL,
	resets BIGINT NOT NULL DEFAULT 0,
	updated_at {{ts}} NOT NULL,
	PRIMARY KEY (service_id, metric, month)
);
CREATE INDEX usage_months_month ON usage_months (month, metric, amount);

-- A warning sent: once per service, month, resource and threshold.
CREATE TABLE usage_warnings (
	id {{pk}},
	service_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	resource TEXT NOT NULL,
	threshold INTEGER NOT NULL,
	used BIGINT NOT NULL,
	limit_bytes BIGINT NOT NULL,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (service_id, month, resource, threshold)
);
CREATE INDEX usage_warnings_org ON usage_warnings (org_id, id);

-- Usage above the plan billed at the published price (cp.av.5.11, cp.av.9.4), one per
-- service, month and resource; billing puts it on the next invoice and marks it.
CREATE TABLE usage_charges (
	id {{pk}},
	service_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	subscription_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	resource TEXT NOT NULL,
	used BIGINT NOT NULL,
	limit_bytes BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	description TEXT NOT NULL,
	explanation TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	invoice_id BIGINT,
	created_at {{ts}} NOT NULL,
	UNIQUE (service_id, month, resource)
);
CREATE INDEX usage_charges_open ON usage_charges (status, org_id, id);

-- Fair-use steps (fo.av.12.4): a warning, then staff convert, limit or block; each keeps
-- a snapshot of the evidence (the customer's and the peers' monthly figures and the
-- explanation) as it was when decided.
CREATE TABLE usage_fairuse (
	id {{pk}},
	service_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	step TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	evidence TEXT NOT NULL,
	explanation TEXT NOT NULL,
	decided_by TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (service_id, month, step)
);
CREATE INDEX usage_fairuse_org ON usage_fairuse (org_id, id);

-- A run of the collector: which services it asked in which slot, so a rerun after a
-- crash asks only the rest.
CREATE TABLE usage_collected (
	slot TEXT NOT NULL,
	service_id BIGINT NOT NULL,
	PRIMARY KEY (slot, service_id)
);
