-- inbound_seen: every message handed to a handler, by the address it was delivered to and
-- its Message-ID. A mail server that delivers twice (after a lost reply to its DATA) or a
-- poller that was killed before it flagged a message offers the same mail again; the
-- unique key drops the second copy. A mail sent to support@ and abuse@ at once reaches
-- both desks: the key includes the recipient.
CREATE TABLE inbound_seen (
	id {{pk}},
	recipient TEXT NOT NULL,
	message_id TEXT NOT NULL,
	received_at {{ts}} NOT NULL,
	automatic BOOLEAN NOT NULL DEFAULT FALSE,
	UNIQUE (recipient, message_id)
);
CREATE INDEX inbound_seen_received ON inbound_seen (received_at);
-- inbound_mailboxes: IMAP mailboxes the inbound.poll job reads. The password is sealed
-- with the keyring (purpose driver-credential, bound to the mailbox's address), so a copy
-- of the database alone cannot log in.
CREATE TABLE inbound_mailboxes (
	id {{pk}},
	address TEXT NOT NULL UNIQUE,
	host TEXT NOT NULL,
	port INTEGER NOT NULL,
	username TEXT NOT NULL,
	password_sealed TEXT NOT NULL,
	tls TEXT NOT NULL DEFAULT 'starttls',
	folder TEXT NOT NULL DEFAULT 'INBOX',
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	last_polled_at {{ts}},
	last_error TEXT NOT NULL DEFAULT ''
);
