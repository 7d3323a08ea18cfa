-- The text search index on SQLite is written by a job (audit.SearchIndexer) instead of
-- a trigger in every transaction that records an entry: FTS5's flush and segment
-- merges were a seventh of the billing run's writer (issue 16). audit_search_state
-- holds the newest seq the index holds; List reads the entries above it by a walk
-- with LIKE, so a search finds an entry the moment it is committed.
-- The delete and update triggers touch the index only for an entry it holds: FTS5's
-- 'delete' of a row it never indexed would corrupt it. PostgreSQL's GIN index is the
-- table's own and needs none of this.
--@ sqlite
CREATE TABLE audit_search_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	upto INTEGER NOT NULL
);
INSERT INTO audit_search_state (id, upto) SELECT 1, COALESCE(MAX(seq), 0) FROM audit_entries;
DROP TRIGGER audit_search_ai;
DROP TRIGGER audit_search_ad;
DROP TRIGGER audit_search_au;
CREATE TRIGGER audit_search_ad AFTER DELETE ON audit_entries WHEN old.seq <= (SELECT upto FROM audit_search_state) BEGIN
	INSERT INTO audit_search (audit_search, rowid, summary, actor_label, object_id) VALUES ('delete', old.seq, old.summary, old.actor_label, old.object_id);
END;
CREATE TRIGGER audit_search_au AFTER UPDATE OF seq, summary, actor_label, object_id ON audit_entries BEGIN
	INSERT INTO audit_search (audit_search, rowid, summary, actor_label, object_id)
		SELECT 'delete', old.seq, old.summary, old.actor_label, old.object_id WHERE old.seq <= (SELECT upto FROM audit_search_state);
	INSERT INTO audit_search (rowid, summary, actor_label, object_id)
		SELECT new.seq, new.summary, new.actor_label, new.object_id WHERE new.seq <= (SELECT upto FROM audit_search_state);
END;
