-- secret: the body carries a one-time link (security finding 1). Such a body is stored
-- sealed with the secret key held outside the database until it is sent, and replaced by
-- a note after it was sent or given up, so no database copy or backup holds a usable link.
ALTER TABLE mail_outbox ADD COLUMN secret BOOLEAN NOT NULL DEFAULT FALSE;
