-- Quotes, contracts (agreements), subscriptions and every decision the terms drive on
-- them. No foreign keys to other packages' tables: a subscription keeps the catalog plan
-- id and a snapshot of what was sold; a contract keeps a snapshot of the customer's
-- name, e-mail, language and kind at conclusion. Each decision row stores the
-- explanation (JSON of terms.Explanation) that produced it.

-- Customers the provider refuses (cp.av.2.6): they cannot order or accept a quote.
CREATE TABLE refused_customers (
	org_id BIGINT PRIMARY KEY,
	reason TEXT NOT NULL DEFAULT '',
	refused_by BIGINT NOT NULL,
	refused_at {{ts}} NOT NULL
);

-- Versions of the terms staff publish (cp.av.18, fo.av.22).
CREATE TABLE terms_versions (
	id {{pk}},
	pack TEXT NOT NULL,
	version TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	announced_on TEXT NOT NULL,
	effective_on TEXT NOT NULL,
	objection_by TEXT,
	termination_as_of TEXT NOT NULL,
	explanation TEXT NOT NULL,
	published_by BIGINT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (pack, version)
);
CREATE TABLE terms_objections (
	id {{pk}},
	terms_version_id BIGINT NOT NULL REFERENCES terms_versions (id),
	org_id BIGINT NOT NULL,
	received_on TEXT NOT NULL,
	reason TEXT NOT NULL,
	recorded_by BIGINT NOT NULL,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (terms_version_id, org_id)
);

CREATE TABLE quotes (
	id {{pk}},
	pack TEXT NOT NULL,
	org_id BIGINT NOT NULL,
	status TEXT NOT NULL,
	title TEXT NOT NULL,
	customer_kind TEXT NOT NULL,
	total_excl BIGINT NOT NULL,
	vat BIGINT NOT NULL,
	total_incl BIGINT NOT NULL,
	vat_json TEXT NOT NULL,
	valid_until TEXT,
	terms_version TEXT NOT NULL DEFAULT '',
	sent_on TEXT,
	expires_on TEXT,
	expiry_explanation TEXT NOT NULL DEFAULT '',
	content_json TEXT NOT NULL DEFAULT '',
	content_hash TEXT NOT NULL DEFAULT '',
	late_acceptance_allowed BOOLEAN NOT NULL DEFAULT FALSE,
	late_allowed_by BIGINT NOT NULL DEFAULT 0,
	declined_at {{ts}},
	decline_reason TEXT NOT NULL DEFAULT '',
	contract_id BIGINT,
	created_by BIGINT NOT NULL,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX quotes_org ON quotes (org_id, id);
CREATE TABLE quote_lines (
	id {{pk}},
	quote_id BIGINT NOT NULL REFERENCES quotes (id),
	position INTEGER NOT NULL,
	plan_id BIGINT NOT NULL DEFAULT 0,
	kind TEXT NOT NULL,
	description TEXT NOT NULL,
	domain TEXT NOT NULL DEFAULT '',
	quantity INTEGER NOT NULL,
	billing TEXT NOT NULL,
	period TEXT NOT NULL DEFAULT '',
	unit_price BIGINT NOT NULL,
	term_price BIGINT NOT NULL,
	setup_fee BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	vat_category TEXT NOT NULL,
	sla BOOLEAN NOT NULL DEFAULT FALSE,
	retention_category TEXT NOT NULL DEFAULT '',
	UNIQUE (quote_id, position)
);

-- The agreement. idempotency_key makes a double submit create one contract; quote_id
-- makes a quote produce at most one.
CREATE TABLE contracts (
	id {{pk}},
	pack TEXT NOT NULL,
	org_id BIGINT NOT NULL,
	source TEXT NOT NULL,
	quote_id BIGINT UNIQUE,
	idempotency_key TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL,
	customer_kind TEXT NOT NULL,
	org_name TEXT NOT NULL,
	org_email TEXT NOT NULL,
	org_lang TEXT NOT NULL,
	org_country TEXT NOT NULL DEFAULT '',
	terms_version TEXT NOT NULL,
	concluded_on TEXT NOT NULL,
	channel TEXT NOT NULL,
	accepted_at {{ts}} NOT NULL,
	accepted_by BIGINT NOT NULL,
	accepted_by_label TEXT NOT NULL,
	accepted_ip TEXT NOT NULL DEFAULT '',
	accepted_user_agent TEXT NOT NULL DEFAULT '',
	content_json TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	withdrawal_info TEXT NOT NULL DEFAULT '',
	express_start BOOLEAN NOT NULL DEFAULT FALSE,
	total_excl BIGINT NOT NULL,
	vat BIGINT NOT NULL,
	total_incl BIGINT NOT NULL,
	ended_on TEXT,
	created_at {{ts}} NOT NULL
);
CREATE INDEX contracts_org ON contracts (org_id, id);

CREATE TABLE subscriptions (
	id {{pk}},
	contract_id BIGINT NOT NULL REFERENCES contracts (id),
	org_id BIGINT NOT NULL,
	pack TEXT NOT NULL,
	position INTEGER NOT NULL,
	plan_id BIGINT NOT NULL DEFAULT 0,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	domain TEXT NOT NULL DEFAULT '',
	quantity INTEGER NOT NULL,
	billing TEXT NOT NULL,
	period TEXT NOT NULL DEFAULT '',
	price BIGINT NOT NULL,
	setup_fee BIGINT NOT NULL,
	vat_category TEXT NOT NULL,
	sla BOOLEAN NOT NULL DEFAULT FALSE,
	retention_category TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	start_on TEXT NOT NULL,
	term_no INTEGER NOT NULL DEFAULT 1,
	term_start TEXT,
	term_end TEXT,
	ends_on TEXT,
	end_reason TEXT NOT NULL DEFAULT '',
	ended_on TEXT,
	withdrawal_waived BOOLEAN NOT NULL DEFAULT FALSE,
	waived_at {{ts}},
	service_started_on TEXT,
	pending_plan_id BIGINT NOT NULL DEFAULT 0,
	pending_plan_on TEXT,
	provisioned_at {{ts}},
	deprovisioned_at {{ts}},
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	UNIQUE (contract_id, position)
);
CREATE INDEX subscriptions_org ON subscriptions (org_id, id);
CREATE INDEX subscriptions_due ON subscriptions (pack, status, term_end);
CREATE INDEX subscriptions_plan ON subscriptions (plan_id, status);

-- One row per (subscription, term): the renewal job can run twice, or crash half way,
-- and a term is still renewed once.
CREATE TABLE renewals (
	id {{pk}},
	subscription_id BIGINT NOT NULL REFERENCES subscriptions (id),
	term_no INTEGER NOT NULL,
	term_start TEXT NOT NULL,
	term_end TEXT NOT NULL,
	price BIGINT NOT NULL,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (subscription_id, term_no)
);

CREATE TABLE cancellations (
	id {{pk}},
	subscription_id BIGINT NOT NULL UNIQUE REFERENCES subscriptions (id),
	org_id BIGINT NOT NULL,
	basis TEXT NOT NULL,
	basis_id BIGINT NOT NULL DEFAULT 0,
	channel TEXT NOT NULL,
	received_at {{ts}} NOT NULL,
	received_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	deadline TEXT NOT NULL,
	recorded_by BIGINT NOT NULL,
	by_staff BOOLEAN NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);

CREATE TABLE withdrawals (
	id {{pk}},
	contract_id BIGINT NOT NULL REFERENCES contracts (id),
	org_id BIGINT NOT NULL,
	accepted_contract_id BIGINT UNIQUE,
	status TEXT NOT NULL,
	channel TEXT NOT NULL,
	received_at {{ts}} NOT NULL,
	received_on TEXT NOT NULL,
	refund BIGINT NOT NULL,
	refund_by TEXT,
	recorded_by BIGINT NOT NULL,
	by_staff BOOLEAN NOT NULL,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE TABLE withdrawal_items (
	withdrawal_id BIGINT NOT NULL REFERENCES withdrawals (id),
	subscription_id BIGINT NOT NULL,
	allowed BOOLEAN NOT NULL,
	reason TEXT NOT NULL,
	deduction BIGINT NOT NULL,
	refund BIGINT NOT NULL,
	explanation TEXT NOT NULL,
	PRIMARY KEY (withdrawal_id, subscription_id)
);

-- Money owed to a customer, for billing to pay out (cp.withdrawal.right.3).
CREATE TABLE refund_due (
	id {{pk}},
	org_id BIGINT NOT NULL,
	contract_id BIGINT NOT NULL,
	source TEXT NOT NULL,
	source_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	due_by TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (source, source_id)
);

-- Charges for billing to invoice: the prorated difference of an upgrade (cp.av.9.1).
CREATE TABLE pending_charge (
	id {{pk}},
	org_id BIGINT NOT NULL,
	subscription_id BIGINT NOT NULL,
	plan_change_id BIGINT NOT NULL UNIQUE,
	amount BIGINT NOT NULL,
	description TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);

CREATE TABLE plan_changes (
	id {{pk}},
	subscription_id BIGINT NOT NULL REFERENCES subscriptions (id),
	org_id BIGINT NOT NULL,
	from_plan_id BIGINT NOT NULL,
	to_plan_id BIGINT NOT NULL,
	direction TEXT NOT NULL,
	requested_on TEXT NOT NULL,
	effective_on TEXT NOT NULL,
	applied BOOLEAN NOT NULL DEFAULT FALSE,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);

CREATE TABLE price_increases (
	id {{pk}},
	pack TEXT NOT NULL,
	plan_id BIGINT NOT NULL,
	old_price BIGINT NOT NULL,
	new_price BIGINT NOT NULL,
	increase_bp BIGINT NOT NULL,
	index_bp BIGINT NOT NULL DEFAULT 0,
	announced_on TEXT NOT NULL,
	effective_on TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE TABLE price_increase_items (
	id {{pk}},
	price_increase_id BIGINT NOT NULL REFERENCES price_increases (id),
	subscription_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	allowed BOOLEAN NOT NULL,
	reasons TEXT NOT NULL DEFAULT '',
	old_price BIGINT NOT NULL,
	new_price BIGINT NOT NULL,
	effective_on TEXT NOT NULL,
	cancel_notice TEXT NOT NULL DEFAULT '',
	objection_by TEXT,
	termination_as_of TEXT,
	applied BOOLEAN NOT NULL DEFAULT FALSE,
	explanation TEXT NOT NULL,
	UNIQUE (price_increase_id, subscription_id)
);
CREATE INDEX price_increase_items_sub ON price_increase_items (subscription_id);

-- After a service ends: when its data are deleted (cp.av.13.6, cp.privacy.*, fo.av.21.1)
-- and whether an overpayment must be checked and refunded (cp.av.13.5).
CREATE TABLE deletion_schedule (
	id {{pk}},
	subscription_id BIGINT NOT NULL UNIQUE,
	org_id BIGINT NOT NULL,
	category TEXT NOT NULL,
	ended_on TEXT NOT NULL,
	delete_after TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'scheduled',
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE TABLE overpayment_checks (
	id {{pk}},
	subscription_id BIGINT NOT NULL UNIQUE,
	org_id BIGINT NOT NULL,
	ended_on TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);

CREATE TABLE force_majeure (
	id {{pk}},
	pack TEXT NOT NULL,
	description TEXT NOT NULL,
	started_on TEXT NOT NULL,
	ended_on TEXT,
	rights_from TEXT NOT NULL,
	explanation TEXT NOT NULL,
	recorded_by BIGINT NOT NULL,
	created_at {{ts}} NOT NULL
);
