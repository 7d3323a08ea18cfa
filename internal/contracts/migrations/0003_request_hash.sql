-- The sha256 of the request that concluded a contract under its idempotency key, so a
-- retry is told apart from another request that reuses the key (issue 8, finding 9).
-- Contracts concluded before this column have '' and are matched by key alone.
ALTER TABLE contracts ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
