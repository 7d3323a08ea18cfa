-- Notice-and-takedown cases (cp.ntd.2.1-2.6). A case is one notice: from the public
-- form, an e-mail, or machine reports (X-ARF, ARF) grouped per service. due_on is the
-- running deadline ('' while the clock does not run: waiting for the notifier, or
-- closed). dedupe_key makes a form sent twice or a mail delivered twice one case.
CREATE TABLE abuse_cases (
	id {{pk}},
	source TEXT NOT NULL,
	state TEXT NOT NULL,
	outcome TEXT NOT NULL DEFAULT '',
	ground TEXT NOT NULL,
	asks_removal BOOLEAN NOT NULL DEFAULT FALSE,
	asks_identification BOOLEAN NOT NULL DEFAULT FALSE,
	notifier_name TEXT NOT NULL DEFAULT '',
	notifier_org TEXT NOT NULL DEFAULT '',
	notifier_email TEXT NOT NULL DEFAULT '',
	notifier_phone TEXT NOT NULL DEFAULT '',
	notifier_lang TEXT NOT NULL DEFAULT 'nl',
	accurate BOOLEAN NOT NULL DEFAULT FALSE,
	contacted_customer BOOLEAN NOT NULL DEFAULT FALSE,
	urgent_requested BOOLEAN NOT NULL DEFAULT FALSE,
	urgency_reasons TEXT NOT NULL DEFAULT '',
	urgent BOOLEAN NOT NULL DEFAULT FALSE,
	description TEXT NOT NULL DEFAULT '',
	org_id BIGINT NOT NULL DEFAULT 0,
	service_id BIGINT NOT NULL DEFAULT 0,
	subscription_id BIGINT NOT NULL DEFAULT 0,
	machine_kind TEXT NOT NULL DEFAULT '',
	reports INTEGER NOT NULL DEFAULT 0,
	received_at {{ts}} NOT NULL,
	due_on TEXT NOT NULL DEFAULT '',
	due_kind TEXT NOT NULL DEFAULT '',
	forwarded_at {{ts}},
	response TEXT NOT NULL DEFAULT '',
	responded_at {{ts}},
	decision TEXT NOT NULL DEFAULT '',
	decision_reasons TEXT NOT NULL DEFAULT '',
	identification TEXT NOT NULL DEFAULT '',
	identification_reasons TEXT NOT NULL DEFAULT '',
	blocked BOOLEAN NOT NULL DEFAULT FALSE,
	hotline_referral TEXT NOT NULL DEFAULT '',
	explanation TEXT NOT NULL DEFAULT '[]',
	dedupe_key TEXT NOT NULL UNIQUE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX abuse_cases_state ON abuse_cases (state, id);
CREATE INDEX abuse_cases_ground ON abuse_cases (ground, id);
CREATE INDEX abuse_cases_due ON abuse_cases (due_on, id);
CREATE INDEX abuse_cases_org ON abuse_cases (org_id, id);
CREATE INDEX abuse_cases_machine ON abuse_cases (service_id, machine_kind, state);

-- The URLs and addresses a notice names, each with what it was found to be.
CREATE TABLE abuse_targets (
	case_id BIGINT NOT NULL REFERENCES abuse_cases (id),
	position INTEGER NOT NULL,
	target TEXT NOT NULL,
	host TEXT NOT NULL DEFAULT '',
	org_id BIGINT NOT NULL DEFAULT 0,
	service_id BIGINT NOT NULL DEFAULT 0,
	finding TEXT NOT NULL,
	PRIMARY KEY (case_id, position)
);

-- Everything that happened on a case, in order: messages sent and received, the
-- customer's answer, decisions with reasons, blocks, the hotline referral, staff tasks.
CREATE TABLE abuse_events (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES abuse_cases (id),
	at {{ts}} NOT NULL,
	kind TEXT NOT NULL,
	party TEXT NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX abuse_events_case ON abuse_events (case_id, id);

-- Machine reports (X-ARF, ARF), one per received message, grouped per service and
-- kind until they make or join a case.
CREATE TABLE abuse_reports (
	id {{pk}},
	message_id TEXT NOT NULL UNIQUE,
	format TEXT NOT NULL,
	kind TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	reporter TEXT NOT NULL DEFAULT '',
	org_id BIGINT NOT NULL DEFAULT 0,
	service_id BIGINT NOT NULL DEFAULT 0,
	case_id BIGINT NOT NULL DEFAULT 0,
	received_at {{ts}} NOT NULL
);
CREATE INDEX abuse_reports_service ON abuse_reports (service_id, kind, received_at);

-- One alert per case and deadline: the job can run twice and alerts once.
CREATE TABLE abuse_alerts (
	case_id BIGINT NOT NULL REFERENCES abuse_cases (id),
	due_kind TEXT NOT NULL,
	due_on TEXT NOT NULL,
	at {{ts}} NOT NULL,
	PRIMARY KEY (case_id, due_kind, due_on)
);
