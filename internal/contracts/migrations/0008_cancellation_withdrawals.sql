-- A cancellation withdrawn before it took effect (WithdrawCancellation): the
-- cancellation row moves here, so the subscription can be cancelled again later and
-- the history keeps what was cancelled, when, and who withdrew it.
CREATE TABLE cancellation_withdrawals (
	id {{pk}},
	cancellation_id BIGINT NOT NULL UNIQUE,
	subscription_id BIGINT NOT NULL REFERENCES subscriptions (id),
	org_id BIGINT NOT NULL,
	received_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	withdrawn_by BIGINT NOT NULL,
	by_staff BOOLEAN NOT NULL,
	explanation TEXT NOT NULL,
	withdrawn_at {{ts}} NOT NULL
);
CREATE INDEX cancellation_withdrawals_subscription ON cancellation_withdrawals (subscription_id, id);
