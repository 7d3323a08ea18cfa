-- The privacy duties (issue 12): subprocessors and their announcements and objections
-- (cp.dpa.6.2, fo.dpa.2.2), breaches (cp.dpa.8, fo.dpa.4), data subject requests
-- (cp.privacy.rights, cp.dpa.9.1), legal holds and what the retention job did.

-- kinds: the catalog kinds of service that use the subprocessor, comma separated.
-- until_on: the day it stopped being used (replaced or removed); NULL while in use.
CREATE TABLE privacy_subprocessors (
	id {{pk}},
	name TEXT NOT NULL,
	purpose TEXT NOT NULL,
	location TEXT NOT NULL,
	transfer TEXT NOT NULL DEFAULT '',
	kinds TEXT NOT NULL DEFAULT '',
	since_on TEXT NOT NULL,
	until_on TEXT,
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_subprocessors_name ON privacy_subprocessors (name, id);

-- A change of the list, announced to the affected customers: a new subprocessor or
-- one replacing another. effective_on is the day of the change; the public history
-- and the Atom feed read this table.
CREATE TABLE privacy_subprocessor_changes (
	id {{pk}},
	subprocessor_id BIGINT NOT NULL,
	replaces_id BIGINT NOT NULL DEFAULT 0,
	summary_nl TEXT NOT NULL,
	summary_en TEXT NOT NULL,
	announced_at {{ts}} NOT NULL,
	effective_on TEXT NOT NULL,
	customers INTEGER NOT NULL DEFAULT 0,
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_subprocessor_changes_at ON privacy_subprocessor_changes (announced_at, id);

-- One affected customer's announcement: the mail (outbox_id, whose Message-ID a reply
-- names in In-Reply-To) and the token in its subject; objection_by from the terms.
CREATE TABLE privacy_announcements (
	id {{pk}},
	change_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	subscriptions TEXT NOT NULL DEFAULT '',
	token TEXT NOT NULL UNIQUE,
	outbox_id BIGINT NOT NULL DEFAULT 0,
	informed_on TEXT NOT NULL,
	objection_by TEXT NOT NULL,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (change_id, org_id)
);
CREATE INDEX privacy_announcements_org ON privacy_announcements (org_id, id);
CREATE INDEX privacy_announcements_outbox ON privacy_announcements (outbox_id);

-- An objection, by portal or e-mail; in_time says whether it arrived within the window.
-- outcome: '' open, 'accommodated' (the provider found another way) or
-- 'not_accommodated' (the customer may end the affected agreements as of the change).
CREATE TABLE privacy_objections (
	id {{pk}},
	announcement_id BIGINT NOT NULL UNIQUE,
	org_id BIGINT NOT NULL,
	channel TEXT NOT NULL,
	received_at {{ts}} NOT NULL,
	received_on TEXT NOT NULL,
	in_time BOOLEAN NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL DEFAULT '',
	resolution TEXT NOT NULL DEFAULT '',
	resolved_at {{ts}},
	resolved_by BIGINT NOT NULL DEFAULT 0,
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_objections_open ON privacy_objections (outcome, id);
CREATE INDEX privacy_objections_org ON privacy_objections (org_id, id);

-- A breach with the fields of cp.dpa.8.3 and fo.dpa.4.3. notify_by is 24 hours after
-- discovery, alert_at 12 hours; authority_by is the 72 hours of AVG art. 33 when the
-- provider is itself controller.
CREATE TABLE privacy_breaches (
	id {{pk}},
	discovered_at {{ts}} NOT NULL,
	description TEXT NOT NULL,
	data_categories TEXT NOT NULL,
	subject_categories TEXT NOT NULL,
	subjects_estimate TEXT NOT NULL DEFAULT '',
	cause TEXT NOT NULL,
	consequences TEXT NOT NULL,
	solution TEXT NOT NULL,
	measures TEXT NOT NULL,
	secured TEXT NOT NULL DEFAULT '',
	contact TEXT NOT NULL,
	informed TEXT NOT NULL DEFAULT '',
	server_ids TEXT NOT NULL DEFAULT '',
	provider_controller BOOLEAN NOT NULL DEFAULT FALSE,
	notify_by {{ts}} NOT NULL,
	alert_at {{ts}} NOT NULL,
	authority_by {{ts}},
	authority_notified_at {{ts}},
	alerted_at {{ts}},
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_breaches_at ON privacy_breaches (discovered_at, id);

-- Each affected customer of a breach: when it was informed (the outbox mail) and its
-- decision, as controller, on informing the authority and the data subjects
-- (cp.dpa.8.1-8.2, fo.dpa.4).
CREATE TABLE privacy_breach_customers (
	id {{pk}},
	breach_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	subscriptions TEXT NOT NULL DEFAULT '',
	informed_at {{ts}},
	authority_decision TEXT NOT NULL DEFAULT '',
	subjects_decision TEXT NOT NULL DEFAULT '',
	decided_at {{ts}},
	created_at {{ts}} NOT NULL,
	UNIQUE (breach_id, org_id)
);
CREATE INDEX privacy_breach_customers_org ON privacy_breach_customers (org_id, id);
CREATE INDEX privacy_breach_customers_open ON privacy_breach_customers (informed_at, breach_id);

CREATE TABLE privacy_breach_updates (
	id {{pk}},
	breach_id BIGINT NOT NULL,
	text TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_breach_updates_breach ON privacy_breach_updates (breach_id, id);

-- A data subject request. scope 'provider' is about the provider's own data (answered
-- within due_on, extendable to extended_to with a reason given before due_on);
-- 'customer' is about a customer's hosted data and is passed to that customer
-- (cp.dpa.9.1). subject_email and subject_name are the person's, kept as evidence of
-- the request; the retention job removes them with the request.
CREATE TABLE privacy_requests (
	id {{pk}},
	kind TEXT NOT NULL,
	scope TEXT NOT NULL,
	subject_email TEXT NOT NULL,
	subject_name TEXT NOT NULL DEFAULT '',
	details TEXT NOT NULL DEFAULT '',
	received_at {{ts}} NOT NULL,
	received_on TEXT NOT NULL,
	due_on TEXT NOT NULL,
	extended_to TEXT,
	extension_reason TEXT NOT NULL DEFAULT '',
	identity_method TEXT NOT NULL DEFAULT '',
	identity_checked_at {{ts}},
	forwarded_org_id BIGINT NOT NULL DEFAULT 0,
	forwarded_at {{ts}},
	status TEXT NOT NULL DEFAULT 'open',
	outcome TEXT NOT NULL DEFAULT '',
	closed_at {{ts}},
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_requests_status ON privacy_requests (status, id);
CREATE INDEX privacy_requests_closed ON privacy_requests (closed_at, id);

-- A legal hold stops the retention job for a customer (org_id) or a case (case_ref,
-- e.g. "breach:3") until lifted.
CREATE TABLE privacy_holds (
	id {{pk}},
	org_id BIGINT NOT NULL DEFAULT 0,
	case_ref TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	placed_by BIGINT NOT NULL,
	placed_at {{ts}} NOT NULL,
	lifted_at {{ts}},
	lifted_by BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX privacy_holds_org ON privacy_holds (org_id, lifted_at);

-- What the retention job did, one row per object and rule: the unique key makes a
-- second run (or a run after a crash half-way) skip it. No deleted content is kept.
CREATE TABLE privacy_retention_done (
	id {{pk}},
	rule TEXT NOT NULL,
	object_kind TEXT NOT NULL,
	object_id TEXT NOT NULL,
	action TEXT NOT NULL,
	due_on TEXT NOT NULL,
	done_at {{ts}} NOT NULL,
	UNIQUE (rule, object_kind, object_id)
);
