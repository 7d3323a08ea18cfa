-- A direct debit is booked in the ledger only once its settlement date (the collection
-- date) has passed without a return; booked_at says it was.
ALTER TABLE dd_collections ADD COLUMN booked_at {{ts}};

-- Refunds paid out: through the payment provider's refund of the payment the money
-- came in with, or in a SEPA credit transfer file (pain.001). refund_id is billing's
-- refund: one payout per refund, so a refund never goes out twice.
CREATE TABLE refund_payouts (
	id {{pk}},
	refund_id BIGINT NOT NULL UNIQUE,
	org_id BIGINT NOT NULL,
	amount BIGINT NOT NULL,
	due_by TEXT NOT NULL,
	method TEXT NOT NULL,
	provider TEXT NOT NULL DEFAULT '',
	provider_payment_id TEXT NOT NULL DEFAULT '',
	provider_refund_id TEXT NOT NULL DEFAULT '',
	attempt INTEGER NOT NULL DEFAULT 1,
	batch_id BIGINT,
	end_to_end_id TEXT NOT NULL UNIQUE,
	creditor_name TEXT NOT NULL DEFAULT '',
	iban TEXT NOT NULL DEFAULT '',
	bic TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	paid_on TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX refund_payouts_status ON refund_payouts (status, id);
CREATE INDEX refund_payouts_batch ON refund_payouts (batch_id);

-- A pain.001 file of refunds, kept byte for byte; staff confirm its execution.
CREATE TABLE ct_batches (
	id {{pk}},
	msg_id TEXT NOT NULL UNIQUE,
	execution_date TEXT NOT NULL,
	nb_of_txs INTEGER NOT NULL,
	ctrl_sum BIGINT NOT NULL,
	document {{bytes}},
	status TEXT NOT NULL,
	created_by BIGINT NOT NULL,
	created_at {{ts}} NOT NULL,
	confirmed_by BIGINT NOT NULL DEFAULT 0,
	confirmed_on TEXT NOT NULL DEFAULT '',
	confirmed_at {{ts}}
);
