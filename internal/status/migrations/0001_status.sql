-- The public status page: incidents with their updates and the outages they explain,
-- planned and emergency maintenance (cp.av.12.1, cp.av.12.2; excluded from the SLA by
-- cp.sla.exclusions.1), and the e-mail subscribers of the page. server ids and outage
-- ids are the monitor package's; no foreign keys, since a package owns its tables.
CREATE TABLE status_incidents (
	id {{pk}},
	title_nl TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	impact TEXT NOT NULL,
	status TEXT NOT NULL,
	automatic BOOLEAN NOT NULL DEFAULT FALSE,
	opened_by TEXT NOT NULL,
	opened_at {{ts}} NOT NULL,
	resolved_at {{ts}},
	resolution_nl TEXT NOT NULL DEFAULT '',
	resolution_en TEXT NOT NULL DEFAULT ''
);
CREATE INDEX status_incidents_opened ON status_incidents (opened_at);

CREATE TABLE status_incident_servers (
	incident_id BIGINT NOT NULL REFERENCES status_incidents (id),
	server_id BIGINT NOT NULL,
	PRIMARY KEY (incident_id, server_id)
);
CREATE INDEX status_incident_servers_server ON status_incident_servers (server_id);

CREATE TABLE status_incident_updates (
	id {{pk}},
	incident_id BIGINT NOT NULL REFERENCES status_incidents (id),
	status TEXT NOT NULL,
	message_nl TEXT NOT NULL,
	message_en TEXT NOT NULL DEFAULT '',
	posted_by TEXT NOT NULL,
	posted_at {{ts}} NOT NULL
);
CREATE INDEX status_incident_updates_incident ON status_incident_updates (incident_id);

-- An outage explains at most one incident; the unique key makes the monitor's hook
-- idempotent.
CREATE TABLE status_incident_outages (
	outage_id BIGINT PRIMARY KEY,
	incident_id BIGINT NOT NULL REFERENCES status_incidents (id),
	server_id BIGINT NOT NULL,
	component TEXT NOT NULL,
	from_at {{ts}} NOT NULL,
	to_at {{ts}}
);
CREATE INDEX status_incident_outages_incident ON status_incident_outages (incident_id);

-- kind is planned or emergency. announced says whether planned maintenance was
-- announced the pack's maintenance.notice ahead (terms.MaintenanceNotice, whose
-- explanation is kept); only announced and emergency maintenance is excluded.
CREATE TABLE status_maintenance (
	id {{pk}},
	kind TEXT NOT NULL,
	title_nl TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	message_nl TEXT NOT NULL DEFAULT '',
	message_en TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	starts_at {{ts}} NOT NULL,
	ends_at {{ts}} NOT NULL,
	announced_at {{ts}} NOT NULL,
	announced BOOLEAN NOT NULL,
	explanation TEXT NOT NULL,
	created_by TEXT NOT NULL,
	cancelled_at {{ts}},
	cancel_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX status_maintenance_window ON status_maintenance (starts_at, ends_at);

CREATE TABLE status_maintenance_servers (
	maintenance_id BIGINT NOT NULL REFERENCES status_maintenance (id),
	server_id BIGINT NOT NULL,
	PRIMARY KEY (maintenance_id, server_id)
);
CREATE INDEX status_maintenance_servers_server ON status_maintenance_servers (server_id);

-- Subscribers of the status page. Only hashes of the confirmation and unsubscribe
-- tokens are looked up; the unsubscribe token is kept sealed as well, because every
-- status mail carries it (RFC 8058). An unsubscribed address is deleted.
CREATE TABLE status_subscribers (
	id {{pk}},
	email TEXT NOT NULL UNIQUE,
	lang TEXT NOT NULL,
	confirm_hash TEXT NOT NULL DEFAULT '',
	unsub_hash TEXT NOT NULL UNIQUE,
	unsub_sealed TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	confirmed_at {{ts}}
);
