-- Accounts: customer organisations (cp.av.3.6, resellers cp.av.7.1), users, and what
-- proves who they are (cp.security.access.2, cp.security.access.3, cp.security.passwords.1).
-- No secret is stored in a form that lets it be used: passwords as argon2id hashes;
-- session, API, reset tokens and recovery codes as sha256 (they are long random values,
-- so a fast hash is enough). TOTP secrets must be readable to check a code.
CREATE TABLE organisations (
	id {{pk}},
	kind TEXT NOT NULL,
	legal_name TEXT NOT NULL,
	contact_name TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL,
	phone TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT 'nl',
	postal_street TEXT NOT NULL DEFAULT '',
	postal_code TEXT NOT NULL DEFAULT '',
	postal_city TEXT NOT NULL DEFAULT '',
	postal_country TEXT NOT NULL DEFAULT '',
	billing_street TEXT NOT NULL DEFAULT '',
	billing_postal_code TEXT NOT NULL DEFAULT '',
	billing_city TEXT NOT NULL DEFAULT '',
	billing_country TEXT NOT NULL DEFAULT '',
	kvk TEXT NOT NULL DEFAULT '',
	vat_id TEXT NOT NULL DEFAULT '',
	is_reseller BOOLEAN NOT NULL DEFAULT FALSE,
	reseller_id BIGINT REFERENCES organisations (id),
	-- CIDRs, one per line; empty allows every address (cp.security.access.3)
	ip_allowlist TEXT NOT NULL DEFAULT '',
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX organisations_reseller ON organisations (reseller_id);
-- Staff have org_id NULL. email is stored lower-cased, so UNIQUE is case-insensitive.
-- roles and permissions are comma-separated lists of the Role and Permission constants.
CREATE TABLE users (
	id {{pk}},
	org_id BIGINT REFERENCES organisations (id),
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	language TEXT NOT NULL DEFAULT 'nl',
	password_hash TEXT NOT NULL DEFAULT '',
	roles TEXT NOT NULL DEFAULT '',
	org_admin BOOLEAN NOT NULL DEFAULT FALSE,
	permissions TEXT NOT NULL DEFAULT '',
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	password_changed_at {{ts}},
	last_login_at {{ts}}
);
CREATE INDEX users_org ON users (org_id);
-- secret is the active TOTP secret ('' = off); pending_secret one being enrolled.
-- last_step is the last time step a code was accepted for, so a code works once.
CREATE TABLE user_totp (
	user_id BIGINT PRIMARY KEY REFERENCES users (id),
	secret TEXT NOT NULL DEFAULT '',
	pending_secret TEXT NOT NULL DEFAULT '',
	pending_since {{ts}},
	enabled_at {{ts}},
	last_step BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE recovery_codes (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users (id),
	code_hash TEXT NOT NULL UNIQUE,
	created_at {{ts}} NOT NULL,
	used_at {{ts}}
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
CREATE TABLE sessions (
	id {{pk}},
	token_hash TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users (id),
	created_at {{ts}} NOT NULL,
	expires_at {{ts}} NOT NULL,
	last_seen_at {{ts}} NOT NULL,
	mfa_pending BOOLEAN NOT NULL DEFAULT FALSE,
	mfa_enrol_required BOOLEAN NOT NULL DEFAULT FALSE,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
-- org_id is 0 for staff tokens; scopes is a comma-separated list.
CREATE TABLE api_tokens (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users (id),
	org_id BIGINT NOT NULL DEFAULT 0,
	name TEXT NOT NULL,
	prefix TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	scopes TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	expires_at {{ts}},
	last_used_at {{ts}},
	revoked_at {{ts}}
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE INDEX api_tokens_org ON api_tokens (org_id);
-- purpose: reset (the user asked) or invite (a new user chooses a first password).
CREATE TABLE password_reset_tokens (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users (id),
	token_hash TEXT NOT NULL UNIQUE,
	purpose TEXT NOT NULL DEFAULT 'reset',
	created_at {{ts}} NOT NULL,
	expires_at {{ts}} NOT NULL,
	used_at {{ts}}
);
CREATE INDEX password_reset_tokens_user ON password_reset_tokens (user_id);
-- Throttling (see throttle.go): one row per bucket, locked while an attempt is counted,
-- and one event per counted attempt.
CREATE TABLE throttle_buckets (
	bucket TEXT PRIMARY KEY,
	touched_at {{ts}} NOT NULL
);
CREATE TABLE throttle_events (
	id {{pk}},
	bucket TEXT NOT NULL,
	at {{ts}} NOT NULL
);
CREATE INDEX throttle_events_bucket ON throttle_events (bucket, at);
CREATE INDEX throttle_events_at ON throttle_events (at);
-- Networks an account signed in from successfully; attempts from them are throttled
-- apart from everyone else's (throttle.go, accountBucket).
CREATE TABLE login_known_nets (
	user_id BIGINT NOT NULL REFERENCES users (id),
	net TEXT NOT NULL,
	last_success_at {{ts}} NOT NULL,
	PRIMARY KEY (user_id, net)
);
