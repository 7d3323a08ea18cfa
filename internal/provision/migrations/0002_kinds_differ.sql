-- The kinds a server takes when staff keep it to some of what its type delivers (a
-- dedicated mail server of the agent type): ",email," style; '' takes every kind.
ALTER TABLE provision_servers ADD COLUMN kinds TEXT NOT NULL DEFAULT '';

-- Accounts whose suspension on the server differs from hostpact's record.
ALTER TABLE provision_sync_reports ADD COLUMN differ TEXT NOT NULL DEFAULT '[]';
