-- list_unsubscribe: the one-click unsubscribe URL of a mail to a mailing list (the status
-- page's subscribers), sent as List-Unsubscribe with List-Unsubscribe-Post (RFC 8058).
ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe TEXT NOT NULL DEFAULT '';
