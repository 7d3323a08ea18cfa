-- Signed checkpoints of the audit trail's head (checkpoint.go). The checkpoints
-- themselves are files outside the database, which is what makes them evidence; this
-- table only records which were written (and mailed), so each is recorded once.
CREATE TABLE audit_checkpoints (
	seq BIGINT PRIMARY KEY,
	hash TEXT NOT NULL,
	signed_at {{ts}} NOT NULL,
	key_id TEXT NOT NULL,
	file TEXT NOT NULL,
	recorded_at {{ts}} NOT NULL
);
