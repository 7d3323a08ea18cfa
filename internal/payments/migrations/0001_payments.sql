-- Payments: bank statements (CAMT.053) and their transactions with the unmatched queue,
-- SEPA direct debit mandates, batches and collections, and online (PSP) payments.
-- Invoices belong to billing: rows here keep the invoice id and organisation id only,
-- without foreign keys to another package's tables.

-- One row per imported Stmt; statement_key (account IBAN | Stmt/Id) makes a second
-- import of the same statement recognisable.
CREATE TABLE payment_statements (
	id {{pk}},
	statement_key TEXT NOT NULL UNIQUE,
	account_iban TEXT NOT NULL,
	statement_id TEXT NOT NULL,
	msg_id TEXT NOT NULL,
	filename TEXT NOT NULL,
	transactions INTEGER NOT NULL,
	imported_by BIGINT NOT NULL,
	imported_at {{ts}} NOT NULL
);

-- One row per booked transaction (a TxDtls, or an entry without details). entry_key
-- (account IBAN | AcctSvcrRef [/ n]) keeps a booking from being imported twice, also
-- when it appears again in an overlapping statement.
CREATE TABLE bank_transactions (
	id {{pk}},
	entry_key TEXT NOT NULL UNIQUE,
	statement_id BIGINT NOT NULL REFERENCES payment_statements (id),
	entry_index INTEGER NOT NULL,
	direction TEXT NOT NULL,
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	booking_date TEXT NOT NULL,
	value_date TEXT NOT NULL,
	acct_svcr_ref TEXT NOT NULL,
	end_to_end_id TEXT NOT NULL,
	mandate_ref TEXT NOT NULL,
	reference TEXT NOT NULL,
	unstructured TEXT NOT NULL,
	counterparty_name TEXT NOT NULL,
	counterparty_iban TEXT NOT NULL,
	return_reason TEXT NOT NULL,
	status TEXT NOT NULL,
	match_rule TEXT NOT NULL DEFAULT '',
	match_note TEXT NOT NULL DEFAULT '',
	invoice_id BIGINT NOT NULL DEFAULT 0,
	invoice_number TEXT NOT NULL DEFAULT '',
	org_id BIGINT NOT NULL DEFAULT 0,
	applied BIGINT NOT NULL DEFAULT 0,
	excess BIGINT NOT NULL DEFAULT 0,
	resolution_note TEXT NOT NULL DEFAULT '',
	resolved_by BIGINT NOT NULL DEFAULT 0,
	resolved_at {{ts}},
	created_at {{ts}} NOT NULL
);
CREATE INDEX bank_transactions_status ON bank_transactions (status, id);

-- SEPA Core direct debit mandates (machtigingen).
CREATE TABLE mandates (
	id {{pk}},
	org_id BIGINT NOT NULL,
	reference TEXT NOT NULL UNIQUE,
	signed_on TEXT NOT NULL,
	debtor_name TEXT NOT NULL,
	iban TEXT NOT NULL,
	bic TEXT NOT NULL,
	status TEXT NOT NULL,
	status_reason TEXT NOT NULL DEFAULT '',
	next_sequence TEXT NOT NULL,
	last_collection_on TEXT NOT NULL DEFAULT '',
	amend_orig_reference TEXT NOT NULL DEFAULT '',
	amend_orig_iban TEXT NOT NULL DEFAULT '',
	amend_other_bank INTEGER NOT NULL DEFAULT 0,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX mandates_org ON mandates (org_id, id);

-- A pain.008 file, kept byte for byte: exporting the same batch again returns it.
CREATE TABLE dd_batches (
	id {{pk}},
	batch_key TEXT NOT NULL UNIQUE,
	msg_id TEXT NOT NULL,
	collection_date TEXT NOT NULL,
	nb_of_txs INTEGER NOT NULL,
	ctrl_sum BIGINT NOT NULL,
	document {{bytes}},
	created_by BIGINT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE TABLE dd_collections (
	id {{pk}},
	batch_id BIGINT NOT NULL REFERENCES dd_batches (id),
	end_to_end_id TEXT NOT NULL UNIQUE,
	pmt_inf_id TEXT NOT NULL,
	mandate_id BIGINT NOT NULL REFERENCES mandates (id),
	seq_type TEXT NOT NULL,
	invoice_id BIGINT NOT NULL,
	invoice_number TEXT NOT NULL,
	org_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	status TEXT NOT NULL,
	return_reason TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX dd_collections_invoice ON dd_collections (invoice_id, status);
CREATE INDEX dd_collections_pmtinf ON dd_collections (pmt_inf_id);

-- Online payments through a payment service provider.
CREATE TABLE psp_payments (
	id {{pk}},
	provider TEXT NOT NULL,
	provider_id TEXT,
	invoice_id BIGINT NOT NULL,
	invoice_number TEXT NOT NULL,
	org_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	reference TEXT NOT NULL,
	checkout_url TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	applied BIGINT NOT NULL DEFAULT 0,
	excess BIGINT NOT NULL DEFAULT 0,
	paid_at {{ts}},
	created_by BIGINT NOT NULL,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX psp_payments_provider_id ON psp_payments (provider, provider_id);
CREATE INDEX psp_payments_invoice ON psp_payments (invoice_id, status);
