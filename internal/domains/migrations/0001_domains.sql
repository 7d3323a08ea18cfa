-- Domain names (issue 14). One row per domain subscription. state is hostpact's view
-- (pending, pending_transfer, transfer_failed, active, scheduled_delete, quarantine,
-- released, failed); registry_state is what the registry said at the last sync.
-- transfer_token is sealed with the keyring (bound to the domain id) and kept only
-- while we hold one. term_no is the subscription term the registration covers: a
-- later term renews it at the registry (cp.av.6.2).
CREATE TABLE domains (
	id {{pk}},
	subscription_id BIGINT NOT NULL UNIQUE,
	contract_id BIGINT NOT NULL DEFAULT 0,
	org_id BIGINT NOT NULL,
	name TEXT NOT NULL,
	tld TEXT NOT NULL,
	mode TEXT NOT NULL,
	state TEXT NOT NULL,
	registry_state TEXT NOT NULL DEFAULT '',
	roid TEXT NOT NULL DEFAULT '',
	expires_on TEXT,
	delete_on TEXT,
	term_no INTEGER NOT NULL DEFAULT 1,
	registrant TEXT NOT NULL DEFAULT '',
	transfer_token TEXT NOT NULL DEFAULT '',
	consent_basis TEXT NOT NULL DEFAULT '',
	consent_clauses TEXT NOT NULL DEFAULT '',
	consent_at {{ts}},
	problem TEXT NOT NULL DEFAULT '',
	last_sync {{ts}},
	ended_at {{ts}},
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX domains_org ON domains (org_id, id);
CREATE INDEX domains_state ON domains (state, id);
CREATE INDEX domains_name ON domains (name, id);

-- One row per registry step. idem_key makes queueing idempotent; id orders the steps
-- of one domain; a running step holds a lease until lease_until. auth_code is sealed
-- (a transfer-in's code, bound to the operation id) and cleared once the step is done.
CREATE TABLE domain_operations (
	id {{pk}},
	domain_id BIGINT NOT NULL REFERENCES domains (id),
	org_id BIGINT NOT NULL,
	op TEXT NOT NULL,
	idem_key TEXT NOT NULL UNIQUE,
	args TEXT NOT NULL DEFAULT '{}',
	auth_code TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	not_before {{ts}} NOT NULL,
	lease_until {{ts}},
	error TEXT NOT NULL DEFAULT '',
	requested_by TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	done_at {{ts}}
);
CREATE INDEX domain_operations_due ON domain_operations (state, not_before, id);
CREATE INDEX domain_operations_domain ON domain_operations (domain_id, id);

-- A transfer the customer asked for before ordering: the auth code waits here, sealed,
-- until the order's subscription takes it.
CREATE TABLE domain_transfer_requests (
	id {{pk}},
	org_id BIGINT NOT NULL,
	name TEXT NOT NULL,
	auth_code TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	used_at {{ts}},
	UNIQUE (org_id, name)
);

-- The registrar's connection to a registry, per TLD. credentials is the sealed JSON of
-- the login (internal/secrets, bound to the TLD).
CREATE TABLE domain_registries (
	id {{pk}},
	tld TEXT NOT NULL UNIQUE,
	address TEXT NOT NULL,
	username TEXT NOT NULL DEFAULT '',
	credentials TEXT NOT NULL DEFAULT '',
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);

-- A difference between the registry's view and ours, found by domains.sync; staff
-- resolve it. One open report per (domain, field).
CREATE TABLE domain_sync_reports (
	id {{pk}},
	domain_id BIGINT NOT NULL REFERENCES domains (id),
	org_id BIGINT NOT NULL,
	field TEXT NOT NULL,
	ours TEXT NOT NULL,
	theirs TEXT NOT NULL,
	found_at {{ts}} NOT NULL,
	resolved_at {{ts}}
);
CREATE INDEX domain_sync_reports_domain ON domain_sync_reports (domain_id, id);
CREATE INDEX domain_sync_reports_open ON domain_sync_reports (resolved_at, id);

-- Poll messages, stored before they are acknowledged at the registry.
CREATE TABLE domain_poll_messages (
	id {{pk}},
	tld TEXT NOT NULL,
	msg_id TEXT NOT NULL,
	queued_at {{ts}},
	kind TEXT NOT NULL,
	domain TEXT NOT NULL DEFAULT '',
	text TEXT NOT NULL DEFAULT '',
	raw TEXT NOT NULL DEFAULT '',
	received_at {{ts}} NOT NULL,
	acked_at {{ts}},
	UNIQUE (tld, msg_id)
);
CREATE INDEX domain_poll_messages_domain ON domain_poll_messages (domain, id);
