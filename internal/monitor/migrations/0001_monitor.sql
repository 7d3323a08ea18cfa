-- The provider's servers and their measured components (cp.sla.availability.1-2).
CREATE TABLE monitor_servers (
	id {{pk}},
	name TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	location TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL
);

-- A component's check is stored sealed as a whole (it can hold a monitoring password or a
-- WireGuard private key); kind is kept in the clear so that pages can show it. version
-- changes with every change so that probe locations reschedule. alerting and flapping
-- are the alert damping state: a down alert went out and no recovery yet; too many
-- outages in the flap window, alerts held back until it is quiet. evaluated_to is how
-- far the evaluator has turned results into outages.
CREATE TABLE monitor_components (
	id {{pk}},
	server_id BIGINT NOT NULL REFERENCES monitor_servers (id),
	name TEXT NOT NULL,
	target TEXT NOT NULL,
	kind TEXT NOT NULL,
	spec TEXT NOT NULL,
	interval_seconds INTEGER NOT NULL,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	version BIGINT NOT NULL DEFAULT 1,
	alerting BOOLEAN NOT NULL DEFAULT FALSE,
	flapping BOOLEAN NOT NULL DEFAULT FALSE,
	evaluated_to {{ts}},
	created_at {{ts}} NOT NULL,
	UNIQUE (server_id, name, target)
);

-- Which subscription (contracts' id; no foreign key, a package owns its tables) runs on
-- which server: the SLA of that subscription is measured by that server's components.
CREATE TABLE monitor_placements (
	subscription_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	server_id BIGINT NOT NULL REFERENCES monitor_servers (id),
	placed_at {{ts}} NOT NULL,
	PRIMARY KEY (subscription_id, server_id)
);
CREATE INDEX monitor_placements_server ON monitor_placements (server_id);

CREATE TABLE monitor_locations (
	name TEXT PRIMARY KEY,
	last_seen {{ts}} NOT NULL
);

-- One instance per location holds a component until until.
CREATE TABLE monitor_leases (
	component_id BIGINT NOT NULL,
	location TEXT NOT NULL,
	instance TEXT NOT NULL,
	until {{ts}} NOT NULL,
	PRIMARY KEY (component_id, location)
);

-- Check results, run-length encoded: one row per run of checks of one component at one
-- location with the same outcome and reason, none further than the pack's
-- max_check_gap_minutes apart. Latency is kept as the run's last and maximum.
CREATE TABLE monitor_results (
	id {{pk}},
	component_id BIGINT NOT NULL,
	location TEXT NOT NULL,
	first_at {{ts}} NOT NULL,
	last_at {{ts}} NOT NULL,
	checks INTEGER NOT NULL,
	ok BOOLEAN NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	latency_last_us BIGINT NOT NULL DEFAULT 0,
	latency_max_us BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX monitor_results_component ON monitor_results (component_id, location, last_at);
CREATE INDEX monitor_results_last ON monitor_results (last_at);

-- Confirmed outages, kept indefinitely (cp.av.19.5: the evidence of the SLA figures).
CREATE TABLE monitor_outages (
	id {{pk}},
	component_id BIGINT NOT NULL,
	server_id BIGINT NOT NULL,
	component TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	from_at {{ts}} NOT NULL,
	to_at {{ts}},
	reason TEXT NOT NULL DEFAULT '',
	UNIQUE (component_id, from_at)
);
CREATE INDEX monitor_outages_open ON monitor_outages (to_at);

-- Staff alerts: kind down, up, flapping or quiet; key makes each one happen once. The
-- webhook columns are its delivery (state none, pending, sent or failed).
CREATE TABLE monitor_alerts (
	id {{pk}},
	alert_key TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	component_id BIGINT NOT NULL,
	server_id BIGINT NOT NULL,
	outage_id BIGINT NOT NULL DEFAULT 0,
	summary TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	webhook_state TEXT NOT NULL DEFAULT 'none',
	webhook_attempts INTEGER NOT NULL DEFAULT 0,
	webhook_next_at {{ts}},
	webhook_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX monitor_alerts_webhook ON monitor_alerts (webhook_state, webhook_next_at);
