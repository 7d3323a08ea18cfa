-- The audit trail's text search (a substring of summary, actor label or object id,
-- case folded) through an index instead of a test of every entry newer than the page
-- (issue 16), as the customer search does (accounts migration 0005).
-- SQLite: an FTS5 table with the trigram tokenizer, external content kept in sync by
-- triggers; its rowid is the entry's seq, so a page is read newest first from FTS5's
-- own rowid order. PostgreSQL: pg_trgm's GIN operator class over the three columns
-- joined by chr(1), LOWER()ed, and a LIKE over the same expression (audit.searchPostgres).
--@ sqlite
CREATE VIRTUAL TABLE audit_search USING fts5(summary, actor_label, object_id, content='audit_entries', content_rowid='seq', tokenize='trigram');
INSERT INTO audit_search (audit_search) VALUES ('rebuild');
CREATE TRIGGER audit_search_ai AFTER INSERT ON audit_entries BEGIN
	INSERT INTO audit_search (rowid, summary, actor_label, object_id) VALUES (new.seq, new.summary, new.actor_label, new.object_id);
END;
CREATE TRIGGER audit_search_ad AFTER DELETE ON audit_entries BEGIN
	INSERT INTO audit_search (audit_search, rowid, summary, actor_label, object_id) VALUES ('delete', old.seq, old.summary, old.actor_label, old.object_id);
END;
CREATE TRIGGER audit_search_au AFTER UPDATE OF seq, summary, actor_label, object_id ON audit_entries BEGIN
	INSERT INTO audit_search (audit_search, rowid, summary, actor_label, object_id) VALUES ('delete', old.seq, old.summary, old.actor_label, old.object_id);
	INSERT INTO audit_search (rowid, summary, actor_label, object_id) VALUES (new.seq, new.summary, new.actor_label, new.object_id);
END;
--@ postgres
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX audit_entries_search ON audit_entries USING gin ((LOWER(summary || chr(1) || actor_label || chr(1) || object_id)) public.gin_trgm_ops);
