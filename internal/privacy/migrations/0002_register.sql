-- The register of processing activities (AVG art. 30; issue 12): the provider as
-- controller (the purposes of cp.privacy) and as processor per service kind (cp.dpa).
-- Seeded from the Go table in register.go (each row citing its clauses), edited by
-- staff. kinds: the catalog kinds of service whose subprocessors (and their transfers)
-- the activity uses, comma separated.
CREATE TABLE privacy_activities (
	id {{pk}},
	key TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	position INTEGER NOT NULL,
	name TEXT NOT NULL,
	purpose TEXT NOT NULL,
	data_categories TEXT NOT NULL,
	subject_categories TEXT NOT NULL,
	legal_basis TEXT NOT NULL,
	retention TEXT NOT NULL,
	recipients TEXT NOT NULL DEFAULT '',
	transfers TEXT NOT NULL DEFAULT '',
	kinds TEXT NOT NULL DEFAULT '',
	clauses TEXT NOT NULL DEFAULT '',
	updated_at {{ts}} NOT NULL,
	updated_by BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX privacy_activities_order ON privacy_activities (role, position, id);
