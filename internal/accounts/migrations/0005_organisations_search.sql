-- Customer search by substring of name, e-mail, contact, KvK, VAT id, postal code and
-- city through an index instead of LIKE '%q%' over every customer (issue 16).
-- SQLite: an FTS5 table with the trigram tokenizer (a phrase of three or more
-- characters matches any substring, case folded), external content kept in sync by
-- triggers. PostgreSQL: pg_trgm's GIN operator class over the columns joined by chr(1)
-- (which no query holds, so no match spans two columns), LOWER()ed: one LIKE on one
-- index, which the planner takes where seven LIKEs ORed over seven index columns were
-- costed above a scan of the table. pg_trgm is a "trusted" extension
-- (PostgreSQL 13 and later): the database owner may create it without superuser; the
-- server needs the contrib modules (Debian: part of postgresql-15). It is put in the
-- schema public and its operator class named there, so that the index is built
-- whatever the search_path (the tests' schemas leave public out); a database where
-- pg_trgm already lives in another schema needs it moved: ALTER EXTENSION pg_trgm
-- SET SCHEMA public.
--@ sqlite
CREATE VIRTUAL TABLE organisations_search USING fts5(legal_name, email, contact_name, kvk, vat_id, postal_code, postal_city, content='organisations', content_rowid='id', tokenize='trigram');
INSERT INTO organisations_search (organisations_search) VALUES ('rebuild');
CREATE TRIGGER organisations_search_ai AFTER INSERT ON organisations BEGIN
	INSERT INTO organisations_search (rowid, legal_name, email, contact_name, kvk, vat_id, postal_code, postal_city)
		VALUES (new.id, new.legal_name, new.email, new.contact_name, new.kvk, new.vat_id, new.postal_code, new.postal_city);
END;
CREATE TRIGGER organisations_search_ad AFTER DELETE ON organisations BEGIN
	INSERT INTO organisations_search (organisations_search, rowid, legal_name, email, contact_name, kvk, vat_id, postal_code, postal_city)
		VALUES ('delete', old.id, old.legal_name, old.email, old.contact_name, old.kvk, old.vat_id, old.postal_code, old.postal_city);
END;
CREATE TRIGGER organisations_search_au AFTER UPDATE OF legal_name, email, contact_name, kvk, vat_id, postal_code, postal_city ON organisations BEGIN
	INSERT INTO organisations_search (organisations_search, rowid, legal_name, email, contact_name, kvk, vat_id, postal_code, postal_city)
		VALUES ('delete', old.id, old.legal_name, old.email, old.contact_name, old.kvk, old.vat_id, old.postal_code, old.postal_city);
	INSERT INTO organisations_search (rowid, legal_name, email, contact_name, kvk, vat_id, postal_code, postal_city)
		VALUES (new.id, new.legal_name, new.email, new.contact_name, new.kvk, new.vat_id, new.postal_code, new.postal_city);
END;
--@ postgres
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX organisations_search ON organisations USING gin ((LOWER(legal_name || chr(1) || email || chr(1) || contact_name || chr(1) || kvk || chr(1) || vat_id || chr(1) || postal_code || chr(1) || postal_city)) public.gin_trgm_ops);
