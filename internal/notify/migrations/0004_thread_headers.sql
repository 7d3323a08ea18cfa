-- Threading headers of a reply that a person will answer (support tickets): the
-- Message-ID the caller chose and keeps, In-Reply-To and References of the conversation,
-- and the Reply-To the answer should go to. Empty for every other mail, which keeps the
-- Message-ID derived from its row.
ALTER TABLE mail_outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN refs TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN by_person BOOLEAN NOT NULL DEFAULT FALSE;
