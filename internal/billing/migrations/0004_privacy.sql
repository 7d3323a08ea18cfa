-- Erasure and fiscal retention (issue 12). An issued invoice is kept unchanged for the
-- fiscal period (art. 52 AWR, cp.privacy.order.1); when its customer's person is
-- erased meanwhile, the organisation is restricted (AVG art. 17(3)(b), art. 18): every
-- read shows the customer anonymised and the sealed document serves fiscal purposes
-- only.
CREATE TABLE invoice_restrictions (
	org_id BIGINT PRIMARY KEY,
	reason TEXT NOT NULL DEFAULT ''
);

-- After the fiscal period the customer party is removed from the document itself: the
-- redaction keeps the original seal (invoices.content_hash, unchanged), the hash of
-- the removed fields (evidence should the original turn up) and the seal of the
-- redacted document, which Verify checks instead of the original one.
CREATE TABLE invoice_redactions (
	id {{pk}},
	invoice_id BIGINT NOT NULL UNIQUE,
	fields TEXT NOT NULL,
	original_hash TEXT NOT NULL,
	fields_hash TEXT NOT NULL,
	redacted_hash TEXT NOT NULL,
	rule TEXT NOT NULL,
	redacted_at {{ts}} NOT NULL
);
