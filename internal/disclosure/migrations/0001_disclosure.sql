-- Vulnerability reports (cp.rd). The reporter's name and contact stay in this table
-- (cp.rd.expect.2): the audit trail and logs name the report by number only.
CREATE TABLE disclosure_reports (
	id {{pk}},
	source TEXT NOT NULL,
	state TEXT NOT NULL,
	title TEXT NOT NULL,
	affected TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL,
	reporter_name TEXT NOT NULL DEFAULT '',
	reporter_email TEXT NOT NULL DEFAULT '',
	reporter_phone TEXT NOT NULL DEFAULT '',
	reporter_lang TEXT NOT NULL DEFAULT 'nl',
	credit_wanted BOOLEAN NOT NULL DEFAULT FALSE,
	credit_name TEXT NOT NULL DEFAULT '',
	credit_agreed BOOLEAN NOT NULL DEFAULT FALSE,
	received_at {{ts}} NOT NULL,
	ack_due TEXT NOT NULL,
	assess_due TEXT NOT NULL,
	fix_due TEXT NOT NULL,
	acknowledged_at {{ts}},
	assessed_at {{ts}},
	assessment TEXT NOT NULL DEFAULT '',
	severity TEXT NOT NULL DEFAULT '',
	fix_date TEXT NOT NULL DEFAULT '',
	fixed_at {{ts}},
	published_at {{ts}},
	duplicate_of BIGINT NOT NULL DEFAULT 0,
	reward_kind TEXT NOT NULL DEFAULT '',
	reward_amount BIGINT NOT NULL DEFAULT 0,
	reward_note TEXT NOT NULL DEFAULT '',
	explanation TEXT NOT NULL DEFAULT '[]',
	dedupe_key TEXT NOT NULL UNIQUE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX disclosure_reports_state ON disclosure_reports (state, id);
CREATE INDEX disclosure_reports_credit ON disclosure_reports (credit_agreed, id);

CREATE TABLE disclosure_events (
	id {{pk}},
	report_id BIGINT NOT NULL REFERENCES disclosure_reports (id),
	at {{ts}} NOT NULL,
	kind TEXT NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX disclosure_events_report ON disclosure_events (report_id, id);

-- One alert per report and deadline.
CREATE TABLE disclosure_alerts (
	report_id BIGINT NOT NULL REFERENCES disclosure_reports (id),
	deadline TEXT NOT NULL,
	at {{ts}} NOT NULL,
	PRIMARY KEY (report_id, deadline)
);
