-- DNS servers (issue 14): a PowerDNS Authoritative API each. api_key is sealed with the
-- keyring (internal/secrets, bound to the server id). nameservers is the JSON list of
-- the names (and addresses, for the monitoring) a zone on it is delegated to. api_url
-- "demo" is the demo's stand-in that keeps records in dns_demo_rrsets.
CREATE TABLE dns_servers (
	id {{pk}},
	name TEXT NOT NULL UNIQUE,
	api_url TEXT NOT NULL,
	api_key TEXT NOT NULL DEFAULT '',
	nameservers TEXT NOT NULL DEFAULT '[]',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);

-- One row per zone hostpact keeps. origin says why it exists: a registered domain
-- (internal/domains) or a hosting or mail service's domain. serial is PowerDNS's SOA
-- serial after hostpact's last change.
CREATE TABLE dns_zones (
	id {{pk}},
	org_id BIGINT NOT NULL,
	name TEXT NOT NULL UNIQUE,
	server_id BIGINT NOT NULL REFERENCES dns_servers (id),
	origin TEXT NOT NULL,
	serial BIGINT NOT NULL DEFAULT 0,
	dnssec BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{ts}} NOT NULL,
	changed_at {{ts}} NOT NULL
);
CREATE INDEX dns_zones_org ON dns_zones (org_id, name);
CREATE INDEX dns_zones_server ON dns_zones (server_id, name);

-- The demo's stand-in for PowerDNS: record sets as JSON per zone, name and type.
CREATE TABLE dns_demo_rrsets (
	zone TEXT NOT NULL,
	name TEXT NOT NULL,
	rtype TEXT NOT NULL,
	ttl BIGINT NOT NULL,
	records TEXT NOT NULL,
	PRIMARY KEY (zone, name, rtype)
);

CREATE TABLE dns_demo_zones (
	zone TEXT PRIMARY KEY,
	serial BIGINT NOT NULL,
	dnssec_key TEXT NOT NULL DEFAULT ''
);
