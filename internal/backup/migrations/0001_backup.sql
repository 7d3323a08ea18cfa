-- Backup servers (issue 15): one restic repository each. password is sealed
-- (internal/secrets, bound to the server's name); it is unsealed only to hand it to
-- restic and never leaves the package.
CREATE TABLE backup_servers (
	id {{pk}},
	name TEXT NOT NULL UNIQUE,
	repository TEXT NOT NULL,
	password TEXT NOT NULL,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	demo BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{ts}} NOT NULL
);

-- The services that are backed up: a provisioning service (its ref, "hp" + the
-- subscription id) on one backup server. last_good_at is the time of its last good
-- backup, kept here so the staff list of every service reads one index.
CREATE TABLE backup_services (
	id {{pk}},
	service_id BIGINT NOT NULL UNIQUE,
	org_id BIGINT NOT NULL,
	ref TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	domain TEXT NOT NULL DEFAULT '',
	server_id BIGINT NOT NULL REFERENCES backup_servers (id),
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	last_good_at {{ts}},
	last_status TEXT NOT NULL DEFAULT '',
	retention TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL
);
CREATE INDEX backup_services_org ON backup_services (org_id, id);
CREATE INDEX backup_services_good ON backup_services (last_good_at, id);

-- One run per service and day (Europe/Amsterdam): the unique key makes the daily job
-- idempotent. status: running, done, failed, skipped. snapshot is restic's id;
-- adopted says a run killed half-way was found afterwards by its tags.
CREATE TABLE backup_runs (
	id {{pk}},
	bservice_id BIGINT NOT NULL REFERENCES backup_services (id),
	org_id BIGINT NOT NULL,
	day TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	lease_until {{ts}},
	snapshot TEXT NOT NULL DEFAULT '',
	snapshot_at {{ts}},
	files BIGINT NOT NULL DEFAULT 0,
	size_bytes BIGINT NOT NULL DEFAULT 0,
	added_bytes BIGINT NOT NULL DEFAULT 0,
	duration_ms BIGINT NOT NULL DEFAULT 0,
	errors TEXT NOT NULL DEFAULT '',
	adopted BOOLEAN NOT NULL DEFAULT FALSE,
	forgotten_at {{ts}},
	started_at {{ts}} NOT NULL,
	finished_at {{ts}},
	UNIQUE (bservice_id, day)
);
CREATE INDEX backup_runs_status ON backup_runs (status, id);

-- Restores asked for by a customer in the portal or by staff for a ticket. status:
-- queued, running, done, failed. idem_key makes a repeated request one restore.
CREATE TABLE backup_restores (
	id {{pk}},
	bservice_id BIGINT NOT NULL REFERENCES backup_services (id),
	org_id BIGINT NOT NULL,
	run_id BIGINT NOT NULL REFERENCES backup_runs (id),
	snapshot TEXT NOT NULL,
	day TEXT NOT NULL,
	via TEXT NOT NULL,
	ticket TEXT NOT NULL DEFAULT '',
	requested_by BIGINT NOT NULL,
	idem_key TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	lease_until {{ts}},
	error TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	done_at {{ts}}
);
CREATE INDEX backup_restores_status ON backup_restores (status, id);
CREATE INDEX backup_restores_org ON backup_restores (org_id, id);
CREATE INDEX backup_restores_service ON backup_restores (bservice_id, id);

-- The restore test of each calendar period (cp.security.backup.3): one row per
-- period and sampled service. status: running, passed, failed.
CREATE TABLE backup_restore_tests (
	id {{pk}},
	period TEXT NOT NULL,
	bservice_id BIGINT NOT NULL REFERENCES backup_services (id),
	run_id BIGINT NOT NULL REFERENCES backup_runs (id),
	snapshot TEXT NOT NULL,
	status TEXT NOT NULL,
	files INTEGER NOT NULL DEFAULT 0,
	mismatches INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	started_at {{ts}} NOT NULL,
	finished_at {{ts}},
	UNIQUE (period, bservice_id)
);
CREATE INDEX backup_restore_tests_period ON backup_restore_tests (period, status);
