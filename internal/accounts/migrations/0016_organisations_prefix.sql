-- The customer search of one or two characters (no trigram) is a prefix of the name
-- or of the e-mail address, each a range of an index in byte order (accounts.orgPrefix,
-- issue 16). SQLite: organisations_name (LOWER(legal_name), id) already serves the
-- name; the e-mail address gets its own. PostgreSQL: both in the "C" collation, in
-- which a prefix's strings are adjacent whatever the database's collation.
--@ sqlite
CREATE INDEX organisations_email ON organisations (LOWER(email));
--@ postgres
CREATE INDEX organisations_name_c ON organisations ((LOWER(legal_name) COLLATE "C"));
CREATE INDEX organisations_email_c ON organisations ((LOWER(email) COLLATE "C"));
