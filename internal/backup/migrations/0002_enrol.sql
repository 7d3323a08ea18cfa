-- Which backup server takes the services of a provisioning server: the services the
-- enrolment job finds active there are put on it (issue 15, cp.sla.backups.1).
-- prov_server_id is the provisioning layer's server id; no foreign key crosses the
-- packages.
CREATE TABLE backup_hosts (
	prov_server_id BIGINT PRIMARY KEY,
	server_id BIGINT NOT NULL REFERENCES backup_servers (id),
	created_at {{ts}} NOT NULL
);

-- When the service ended (terminated): it is no longer backed up, and each of its
-- snapshots is forgotten once the terms' retention of backups has passed for it.
ALTER TABLE backup_services ADD COLUMN stopped_at {{ts}};
