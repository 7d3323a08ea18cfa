-- Customer audits of the provider as processor (issue 12; cp.dpa.11.1-11.5, fo.dpa.7.1-7.5, C11).

-- An existing audit report the provider offers before an audit (cp.dpa.11.2) or
-- instead of a repeated one (fo.dpa.7.2): a summary text customers who asked may
-- download.
CREATE TABLE privacy_audit_reports (
	id {{pk}},
	title TEXT NOT NULL,
	issued_on TEXT NOT NULL,
	body TEXT NOT NULL,
	published_by BIGINT NOT NULL DEFAULT 0,
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_audit_reports_issued ON privacy_audit_reports (issued_on, id);

-- A customer's audit request and the audit it becomes. status: requested,
-- reports_offered, justified, withdrawn, refused, scheduled, in_progress, findings,
-- closed. precondition is the pack's (reports_first or suspicion); the explanation
-- is the terms' scheduling decision. One open request per customer.
CREATE TABLE privacy_audits (
	id {{pk}},
	org_id BIGINT NOT NULL,
	status TEXT NOT NULL,
	precondition TEXT NOT NULL,
	reasons TEXT NOT NULL,
	insufficiency TEXT NOT NULL DEFAULT '',
	requested_at {{ts}} NOT NULL,
	requested_on TEXT NOT NULL,
	justified_on TEXT,
	answer_with_report BOOLEAN NOT NULL DEFAULT FALSE,
	scheduled_on TEXT,
	scheduled_time TEXT NOT NULL DEFAULT '',
	agreed_scope TEXT NOT NULL DEFAULT '',
	auditor TEXT NOT NULL DEFAULT '',
	information_by TEXT,
	refusal TEXT NOT NULL DEFAULT '',
	conclusion TEXT NOT NULL DEFAULT '',
	closed_at {{ts}},
	explanation TEXT NOT NULL,
	updated_at {{ts}} NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_audits_org ON privacy_audits (org_id, id);
CREATE INDEX privacy_audits_status ON privacy_audits (status, id);
CREATE UNIQUE INDEX privacy_audits_open ON privacy_audits (org_id) WHERE status NOT IN ('withdrawn', 'refused', 'closed');

-- A finding of an audit, tracked to its resolution; implements is who carries it
-- out as the parties agreed: provider, customer or both (cp.dpa.11.4).
CREATE TABLE privacy_audit_findings (
	id {{pk}},
	audit_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	description TEXT NOT NULL,
	implements TEXT NOT NULL,
	due_on TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	resolution TEXT NOT NULL DEFAULT '',
	resolved_at {{ts}},
	created_at {{ts}} NOT NULL
);
CREATE INDEX privacy_audit_findings_audit ON privacy_audit_findings (audit_id, id);
