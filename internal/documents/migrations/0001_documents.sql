-- Published documents: the general terms, DPA, privacy statement, SLA, notice-and-takedown
-- policy, disclosure policy, withdrawal information and disclaimer, each in Dutch and
-- English. A row is one published text and is never updated or deleted: a new version is a
-- new row that takes over from its effective date (cp.av.18.1-18.2). The hash is the
-- SHA-256 of the text and its metadata (documents.ContentHash), fixed at publication.
CREATE TABLE document_versions (
	id {{pk}},
	kind TEXT NOT NULL,
	version TEXT NOT NULL,
	lang TEXT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	effective_on TEXT NOT NULL,
	hash TEXT NOT NULL,
	published_by BIGINT NOT NULL,
	published_by_label TEXT NOT NULL,
	published_at {{ts}} NOT NULL,
	UNIQUE (kind, version, lang)
);
CREATE INDEX document_versions_in_force ON document_versions (kind, lang, effective_on);

-- The document versions an order or an accepted quote showed and linked, with the hash
-- of each as it was then: what the customer agreed to (art. 6:234 BW). contract_id is
-- the contracts package's id; no foreign key, since a package owns its tables.
CREATE TABLE order_documents (
	contract_id BIGINT NOT NULL,
	document_version_id BIGINT NOT NULL REFERENCES document_versions (id),
	hash TEXT NOT NULL,
	recorded_at {{ts}} NOT NULL,
	PRIMARY KEY (contract_id, document_version_id)
);
