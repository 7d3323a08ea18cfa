-- Invoices, credit notes, payments, account credit and refunds (cp.av.14, fo.av.16).
-- No foreign keys to other packages' tables: an invoice keeps a snapshot of both
-- parties (customer_json, provider_json) as they were when it was issued.
--
-- Issued documents are immutable (DESIGN.md principle 8): the package never updates or
-- deletes a row of invoices or invoice_lines; content_hash seals each document and
-- Service.Verify recomputes it. What changes after issue (the open amount) lives in
-- invoice_state.

-- Gapless numbers: one counter row per series, bumped in the issuing transaction.
CREATE TABLE invoice_series (
	series TEXT PRIMARY KEY,
	last BIGINT NOT NULL
);

CREATE TABLE invoices (
	id {{pk}},
	doc_type TEXT NOT NULL,
	series TEXT NOT NULL,
	seq BIGINT NOT NULL,
	number TEXT NOT NULL UNIQUE,
	reference TEXT NOT NULL UNIQUE,
	org_id BIGINT NOT NULL,
	pack TEXT NOT NULL,
	terms_version TEXT NOT NULL,
	customer_kind TEXT NOT NULL,
	lang TEXT NOT NULL,
	currency TEXT NOT NULL,
	issue_date TEXT NOT NULL,
	due_date TEXT NOT NULL,
	period_start TEXT NOT NULL DEFAULT '',
	period_end TEXT NOT NULL DEFAULT '',
	vat_scheme TEXT NOT NULL,
	vat_country TEXT NOT NULL,
	total_excl BIGINT NOT NULL,
	vat BIGINT NOT NULL,
	total_incl BIGINT NOT NULL,
	credit_applied BIGINT NOT NULL,
	amount_due BIGINT NOT NULL,
	credits_invoice_id BIGINT NOT NULL DEFAULT 0,
	credits_number TEXT NOT NULL DEFAULT '',
	credits_issue_date TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	customer_json TEXT NOT NULL,
	provider_json TEXT NOT NULL,
	vat_json TEXT NOT NULL,
	explanation TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (series, seq)
);
CREATE INDEX invoices_org ON invoices (org_id, id);
CREATE INDEX invoices_issue ON invoices (issue_date);

CREATE TABLE invoice_lines (
	invoice_id BIGINT NOT NULL REFERENCES invoices (id),
	position INTEGER NOT NULL,
	source TEXT NOT NULL,
	source_id BIGINT NOT NULL DEFAULT 0,
	description TEXT NOT NULL,
	period_start TEXT NOT NULL DEFAULT '',
	period_end TEXT NOT NULL DEFAULT '',
	quantity BIGINT NOT NULL,
	unit TEXT NOT NULL,
	unit_price BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	vat_category TEXT NOT NULL,
	vat_rate BIGINT NOT NULL,
	PRIMARY KEY (invoice_id, position)
);

-- What has been billed, once: a subscription's period, its setup fee, a pending charge,
-- a project's deposit and balance. The billing run, run twice or restarted after a
-- crash, finds the key and bills nothing twice.
CREATE TABLE billed_items (
	source TEXT NOT NULL,
	source_id BIGINT NOT NULL,
	period_start TEXT NOT NULL,
	invoice_id BIGINT NOT NULL,
	PRIMARY KEY (source, source_id, period_start)
);

-- The mutable side of a document: how much is still open.
CREATE TABLE invoice_state (
	invoice_id BIGINT PRIMARY KEY,
	org_id BIGINT NOT NULL,
	doc_type TEXT NOT NULL,
	open_amount BIGINT NOT NULL,
	paid BIGINT NOT NULL DEFAULT 0,
	credited BIGINT NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	settled_on TEXT,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX invoice_state_open ON invoice_state (status, invoice_id);

-- Payments from any source (bank statement, direct debit, PSP): one row per
-- (source, source_ref), so an import run twice applies a payment once.
CREATE TABLE payments (
	id {{pk}},
	invoice_id BIGINT NOT NULL,
	org_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	applied BIGINT NOT NULL,
	excess BIGINT NOT NULL,
	paid_on TEXT NOT NULL,
	source TEXT NOT NULL,
	source_ref TEXT NOT NULL,
	reversed_at {{ts}},
	created_at {{ts}} NOT NULL,
	UNIQUE (source, source_ref)
);
CREATE INDEX payments_invoice ON payments (invoice_id);

-- Account credit: a ledger per organisation. Positive rows add credit (SLA credit,
-- overpayment while contracts run), negative rows use it on a new invoice. Credit is
-- set off only against invoices issued after it was granted, never paid out.
CREATE TABLE account_credit (
	id {{pk}},
	org_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	source TEXT NOT NULL,
	source_ref TEXT NOT NULL,
	invoice_id BIGINT NOT NULL DEFAULT 0,
	description TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (source, source_ref)
);
CREATE INDEX account_credit_org ON account_credit (org_id, id);

-- Money to pay back: withdrawals (cp.av.13.9), overpayment after termination
-- (cp.av.13.5), credit notes on paid invoices of ended customers.
CREATE TABLE refunds (
	id {{pk}},
	org_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	due_by TEXT NOT NULL,
	source TEXT NOT NULL,
	source_ref TEXT NOT NULL,
	status TEXT NOT NULL,
	paid_on TEXT,
	paid_ref TEXT NOT NULL DEFAULT '',
	explanation TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (source, source_ref)
);
CREATE INDEX refunds_status ON refunds (status, id);
