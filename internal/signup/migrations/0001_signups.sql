-- Pending sign-ups: a visitor's details waiting for the e-mail address to be confirmed
-- with a one-time link. Only the SHA-256 of the link's token is stored; a row is used
-- once (used_at, org_id) and expires.
CREATE TABLE signups (
	id {{pk}},
	email TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	details TEXT NOT NULL,
	plan_id BIGINT NOT NULL DEFAULT 0,
	ip TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	expires_at {{ts}} NOT NULL,
	used_at {{ts}},
	org_id BIGINT
);
CREATE INDEX signups_email ON signups (email, created_at);
