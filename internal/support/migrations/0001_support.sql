-- tickets: one conversation with the support desk. org_id 0 is a ticket from a sender no
-- organisation knows yet (staff link it, ticket.manage). The response clock counts open
-- hours of customer service (cp.sla.support.2): clock_spent holds the seconds used before
-- the clock last stopped, clock_started_at is set while it runs; due_at is when the
-- running clock reaches the target. A complaint (cp.av.17.1) has its own clock from
-- receipt that no status pauses: complaint_due_at, stopped only by an answer in
-- substance (complaint_answered_at). next_due_at is the earlier of the two open clocks,
-- kept on every write so the queue can sort and filter on one indexed column.
CREATE TABLE tickets (
	id {{pk}},
	org_id BIGINT NOT NULL DEFAULT 0,
	subject TEXT NOT NULL,
	category TEXT NOT NULL,
	status TEXT NOT NULL,
	channel TEXT NOT NULL,
	requester_email TEXT NOT NULL DEFAULT '',
	requester_name TEXT NOT NULL DEFAULT '',
	lang TEXT NOT NULL DEFAULT 'nl',
	assignee_user_id BIGINT NOT NULL DEFAULT 0,
	assignee_role TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL DEFAULT '{}',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	clock_spent BIGINT NOT NULL DEFAULT 0,
	clock_started_at {{ts}},
	due_at {{ts}},
	complaint_received_at {{ts}},
	complaint_last TEXT NOT NULL DEFAULT '',
	complaint_due_at {{ts}},
	complaint_answered_at {{ts}},
	complaint_alerted_at {{ts}},
	next_due_at {{ts}},
	explanation TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tickets_org ON tickets (org_id, id);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_category ON tickets (category, id);
CREATE INDEX tickets_assignee ON tickets (assignee_user_id, id);
CREATE INDEX tickets_next_due ON tickets (next_due_at, id);
CREATE INDEX tickets_complaint_due ON tickets (complaint_due_at);
-- ticket_messages: everything said on a ticket. kind: customer (a message from the
-- customer), staff (a public reply), note (internal, never shown to customers), call and
-- chat (staff's record of a phone call or chat), automatic (an auto-reply or bounce,
-- recorded and never answered). message_id holds the Message-ID of every mail received
-- and sent, unique, so threading finds the ticket and a message is stored once.
CREATE TABLE ticket_messages (
	id {{pk}},
	ticket_id BIGINT NOT NULL REFERENCES tickets (id),
	kind TEXT NOT NULL,
	public BOOLEAN NOT NULL,
	author_user_id BIGINT NOT NULL DEFAULT 0,
	author_name TEXT NOT NULL DEFAULT '',
	author_email TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	message_id TEXT,
	substantive BOOLEAN NOT NULL DEFAULT FALSE,
	note TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	UNIQUE (message_id)
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);
-- ticket_files: the attachments of a message; the bytes are in internal/files (owner
-- "ticket:<id>"), apart from the rows that list them.
CREATE TABLE ticket_files (
	message_id BIGINT NOT NULL REFERENCES ticket_messages (id),
	file_id BIGINT NOT NULL,
	name TEXT NOT NULL,
	size BIGINT NOT NULL,
	PRIMARY KEY (message_id, file_id)
);
-- ticket_canned: replies staff reuse, per language.
CREATE TABLE ticket_canned (
	id {{pk}},
	lang TEXT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	UNIQUE (lang, title)
);
