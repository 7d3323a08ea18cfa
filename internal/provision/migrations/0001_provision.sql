-- Provisioning servers (issue 13). credentials is the sealed JSON of what staff entered
-- or enrolment produced (internal/secrets, bound to the server id); it never leaves the
-- package unsealed except to the driver.
CREATE TABLE provision_servers (
	id {{pk}},
	name TEXT NOT NULL UNIQUE,
	driver_type TEXT NOT NULL,
	endpoint TEXT NOT NULL,
	location TEXT NOT NULL DEFAULT '',
	capacity INTEGER NOT NULL,
	settings TEXT NOT NULL DEFAULT '{}',
	credentials TEXT NOT NULL DEFAULT '',
	credential_names TEXT NOT NULL DEFAULT '',
	monitor_server_id BIGINT,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	draining BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);

-- One service per subscription. ref is "hp" + the subscription id (driver.ValidRef).
-- reasons is the comma-separated set of suspend reasons. secret and sensitive are
-- sealed and kept only until the customer saw them once; secret_next holds the secret
-- of a reset in progress.
CREATE TABLE provision_services (
	id {{pk}},
	subscription_id BIGINT NOT NULL UNIQUE,
	org_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	domain TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	plan_id BIGINT NOT NULL DEFAULT 0,
	server_id BIGINT REFERENCES provision_servers (id),
	ref TEXT NOT NULL UNIQUE,
	state TEXT NOT NULL,
	reasons TEXT NOT NULL DEFAULT '',
	package TEXT NOT NULL DEFAULT '{}',
	details TEXT NOT NULL DEFAULT '{}',
	secret TEXT NOT NULL DEFAULT '',
	sensitive TEXT NOT NULL DEFAULT '',
	secret_ready BOOLEAN NOT NULL DEFAULT FALSE,
	secret_next TEXT NOT NULL DEFAULT '',
	seq INTEGER NOT NULL DEFAULT 0,
	problem TEXT NOT NULL DEFAULT '',
	problem_text TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX provision_services_org ON provision_services (org_id);
CREATE INDEX provision_services_server ON provision_services (server_id);

-- One row per step. idem_key makes enqueueing idempotent; id orders the steps of one
-- service; a running task holds a lease until lease_until.
CREATE TABLE provision_tasks (
	id {{pk}},
	service_id BIGINT NOT NULL REFERENCES provision_services (id),
	org_id BIGINT NOT NULL,
	op TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	target_server_id BIGINT,
	idem_key TEXT NOT NULL UNIQUE,
	-- payload: the package of a change_package task (JSON).
	payload TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{ts}} NOT NULL,
	lease_until {{ts}},
	lease_holder TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	done_at {{ts}}
);
CREATE INDEX provision_tasks_due ON provision_tasks (status, next_attempt_at);
CREATE INDEX provision_tasks_service ON provision_tasks (service_id, id);

-- The latest synchronisation report of each server.
CREATE TABLE provision_sync_reports (
	server_id BIGINT PRIMARY KEY REFERENCES provision_servers (id),
	at {{ts}} NOT NULL,
	listed INTEGER NOT NULL,
	orphans TEXT NOT NULL DEFAULT '[]',
	missing TEXT NOT NULL DEFAULT '[]',
	error TEXT NOT NULL DEFAULT ''
);
