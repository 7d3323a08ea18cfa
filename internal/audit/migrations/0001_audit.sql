-- The audit trail (DESIGN.md principle 3; evidence value under cp.av.19.5 and fo.av.23.5).
-- audit_head is a single row that every writer updates first: on PostgreSQL the row lock
-- orders concurrent writers, so the chain never forks; SQLite writers are serialised anyway.
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
CREATE TABLE audit_entries (
	seq BIGINT PRIMARY KEY,
	at {{ts}} NOT NULL,
	actor_kind TEXT NOT NULL,
	actor_id BIGINT NOT NULL DEFAULT 0,
	actor_label TEXT NOT NULL DEFAULT '',
	org_id BIGINT NOT NULL DEFAULT 0,
	action TEXT NOT NULL,
	object_kind TEXT NOT NULL DEFAULT '',
	object_id TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_entries_org ON audit_entries (org_id, seq);
CREATE INDEX audit_entries_action ON audit_entries (action, seq);
