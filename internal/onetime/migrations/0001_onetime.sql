-- One-time secrets (cp.security.passwords.4). A row holds the text encrypted with a key
-- that only the link carries, sealed again with the provider's key: neither a copy of
-- the database nor the link alone reads it. The row goes when the secret is revealed or
-- expires; created_by and org_id stay out of it once it is gone (the audit entry says
-- who made a link, never what it held).
CREATE TABLE onetime_secrets (
    id TEXT PRIMARY KEY,
    sealed TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    created_at {{ts}} NOT NULL,
    expires_at {{ts}} NOT NULL
);
CREATE INDEX onetime_secrets_expiry ON onetime_secrets(expires_at);
