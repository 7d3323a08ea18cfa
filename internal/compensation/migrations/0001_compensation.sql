-- SLA month figures: one row per subscription and calendar month (Europe/Amsterdam),
-- written once by the sla.freeze job after the month ended plus the pack's
-- freeze_after_minutes, and never updated (INTERPRETATION.md, SLA). result is the
-- calculator's MonthResult (intervals, counted parts) as JSON; detail the exclusions and
-- overdue periods that were applied; digest the SHA-256 of every input, so a recompute
-- with the same inputs can be recognised.
CREATE TABLE sla_months (
	id {{pk}},
	subscription_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	kind TEXT NOT NULL,
	pack TEXT NOT NULL,
	terms_version TEXT NOT NULL,
	down_minutes BIGINT NOT NULL,
	excluded_minutes BIGINT NOT NULL,
	credit_percent BIGINT NOT NULL,
	credit BIGINT NOT NULL,
	manual BOOLEAN NOT NULL,
	outage_ended {{ts}},
	result TEXT NOT NULL,
	detail TEXT NOT NULL,
	explanation TEXT NOT NULL,
	inputs_digest TEXT NOT NULL,
	frozen_at {{ts}} NOT NULL,
	UNIQUE (subscription_id, month)
);
CREATE INDEX sla_months_org ON sla_months (org_id, month);

-- Corrections of a frozen month by staff, with the reason; the latest is the figure in
-- force, the frozen row stays as it was.
CREATE TABLE sla_corrections (
	id {{pk}},
	subscription_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	down_minutes BIGINT NOT NULL,
	credit_percent BIGINT NOT NULL,
	credit BIGINT NOT NULL,
	reason TEXT NOT NULL,
	explanation TEXT NOT NULL,
	recorded_by BIGINT NOT NULL,
	recorded_by_label TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX sla_corrections_month ON sla_corrections (subscription_id, month, id);

-- Excluded time recorded by staff with its evidence (cp.sla.exclusions.2-3, 5-7), for a
-- server (every service on it) or one subscription. Maintenance comes from the status
-- package, overdue invoices from billing.
CREATE TABLE sla_exclusions (
	id {{pk}},
	server_id BIGINT NOT NULL DEFAULT 0,
	subscription_id BIGINT NOT NULL DEFAULT 0,
	from_at {{ts}} NOT NULL,
	to_at {{ts}} NOT NULL,
	reason TEXT NOT NULL,
	evidence TEXT NOT NULL,
	recorded_by BIGINT NOT NULL,
	recorded_by_label TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX sla_exclusions_time ON sla_exclusions (to_at, from_at);

-- A recorded breach of the general terms voids the month's credit (cp.sla.exclusions.4).
CREATE TABLE sla_breaches (
	id {{pk}},
	subscription_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	reason TEXT NOT NULL,
	recorded_by BIGINT NOT NULL,
	recorded_by_label TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (subscription_id, month)
);

-- Outages staff recorded from the customer's own evidence, for time the monitor did not
-- measure.
CREATE TABLE sla_manual (
	id {{pk}},
	subscription_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	from_at {{ts}} NOT NULL,
	to_at {{ts}} NOT NULL,
	evidence TEXT NOT NULL,
	recorded_by BIGINT NOT NULL,
	recorded_by_label TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX sla_manual_sub ON sla_manual (subscription_id, from_at);

-- Claims of a month's credit (cp.sla.compensation.4): one per subscription and month,
-- from the portal or recorded by staff when it came by e-mail. status: pending,
-- approved, rejected. An approved claim's credit is account credit in billing
-- (source sla-claim, reference the claim id).
CREATE TABLE sla_claims (
	id {{pk}},
	subscription_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	channel TEXT NOT NULL,
	received_at {{ts}} NOT NULL,
	deadline {{ts}} NOT NULL,
	message TEXT NOT NULL,
	status TEXT NOT NULL,
	credit BIGINT NOT NULL DEFAULT 0,
	credit_percent BIGINT NOT NULL DEFAULT 0,
	note TEXT NOT NULL DEFAULT '',
	auto BOOLEAN NOT NULL DEFAULT FALSE,
	decided_by BIGINT NOT NULL DEFAULT 0,
	decided_by_label TEXT NOT NULL DEFAULT '',
	decided_at {{ts}},
	explanation TEXT NOT NULL,
	created_by BIGINT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (subscription_id, month)
);
CREATE INDEX sla_claims_status ON sla_claims (status, id);
CREATE INDEX sla_claims_org ON sla_claims (org_id, id);
