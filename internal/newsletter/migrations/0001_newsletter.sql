-- The newsletter (cp.privacy.newsletter.1-.5). newsletter_subscribers is one row per
-- address: active, pending (a public sign-up waiting for its confirmation link, double
-- opt-in) or unsubscribed (kept as the record of the objection, so that a later order
-- does not subscribe the address again; Telecommunicatiewet art. 11.7). token_nonce
-- feeds the HMAC of the subscriber's unsubscribe token; confirm_hash is the SHA-256 of
-- the confirmation link's token.
CREATE TABLE newsletter_subscribers (
	id {{pk}},
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	lang TEXT NOT NULL DEFAULT 'nl',
	org_id BIGINT NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	source TEXT NOT NULL,
	token_nonce TEXT NOT NULL,
	confirm_hash TEXT NOT NULL DEFAULT '',
	confirm_expires_at {{ts}},
	created_at {{ts}} NOT NULL,
	confirmed_at {{ts}},
	unsubscribed_at {{ts}}
);
CREATE INDEX newsletter_subscribers_status ON newsletter_subscribers (status, id);
CREATE INDEX newsletter_subscribers_org ON newsletter_subscribers (org_id);

-- The consent history, append-only: every subscribe, confirmation, unsubscribe and
-- preference change, how it happened, from where, and the version of the text shown.
CREATE TABLE newsletter_consents (
	id {{pk}},
	subscriber_id BIGINT NOT NULL,
	at {{ts}} NOT NULL,
	event TEXT NOT NULL,
	method TEXT NOT NULL,
	channel TEXT NOT NULL DEFAULT '',
	text_version TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX newsletter_consents_subscriber ON newsletter_consents (subscriber_id, id);

-- A newsletter in both languages. While it is sending, cursor is the last subscriber
-- id queued; a batch moves it in the transaction that queues its mail. skipped counts
-- subscribers a batch found delivered already (their delivery row existed).
CREATE TABLE newsletters (
	id {{pk}},
	subject_nl TEXT NOT NULL,
	body_nl TEXT NOT NULL,
	subject_en TEXT NOT NULL,
	body_en TEXT NOT NULL,
	status TEXT NOT NULL,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at {{ts}} NOT NULL,
	send_started_at {{ts}},
	sent_at {{ts}},
	cursor_id BIGINT NOT NULL DEFAULT 0,
	queued INTEGER NOT NULL DEFAULT 0,
	skipped INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX newsletters_status ON newsletters (status, id);

-- One row per newsletter and subscriber it was queued for: the unique key that makes
-- a rerun after a crash mail nobody twice.
CREATE TABLE newsletter_deliveries (
	newsletter_id BIGINT NOT NULL,
	subscriber_id BIGINT NOT NULL,
	queued_at {{ts}} NOT NULL,
	PRIMARY KEY (newsletter_id, subscriber_id)
);
