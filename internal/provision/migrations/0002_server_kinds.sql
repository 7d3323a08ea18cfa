-- The kinds a server takes when staff keep it to some of what its type delivers (a
-- dedicated mail server of the agent type): ",email," style; '' takes every kind.
ALTER TABLE provision_servers ADD COLUMN kinds TEXT NOT NULL DEFAULT '';
