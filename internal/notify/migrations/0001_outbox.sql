-- The e-mail outbox: written in the transaction of the change that causes the mail, sent
-- afterwards by the sender job. dedupe_key makes "send this notice once" a constraint,
-- not a hope (DESIGN.md principle 5: reminders are never sent twice).
CREATE TABLE mail_outbox (
	id {{pk}},
	dedupe_key TEXT UNIQUE,
	org_id BIGINT NOT NULL DEFAULT 0,
	to_addr TEXT NOT NULL,
	to_name TEXT NOT NULL DEFAULT '',
	lang TEXT NOT NULL DEFAULT 'nl',
	subject TEXT NOT NULL,
	body_text TEXT NOT NULL,
	body_html TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{ts}} NOT NULL,
	locked_until {{ts}},
	sent_at {{ts}},
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_org ON mail_outbox (org_id, id);
