package store

import (
	"strings"
	"testing"
)

// TestRenderSections: "--@ sqlite" / "--@ postgres" sections reach only their engine,
// "--@ both" returns to the common text, and a trigger's body is one statement.
func TestRenderSections(t *testing.T) {
	src := "CREATE TABLE a (id {{pk}});\n--@ sqlite\nCREATE VIRTUAL TABLE f USING fts5(x);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO f(rowid) VALUES (new.id);\n  DELETE FROM f WHERE rowid = 0;\nEND;\n--@ postgres\nCREATE EXTENSION IF NOT EXISTS pg_trgm;\n--@ both\nCREATE INDEX b ON a (id);\n"
	lite := splitStatements(SQLite.Render(src))
	if len(lite) != 4 || !strings.HasPrefix(lite[2], "CREATE TRIGGER") || !strings.HasSuffix(lite[2], "END;") || strings.Contains(strings.Join(lite, "\n"), "pg_trgm") {
		t.Errorf("sqlite: %q", lite)
	}
	pg := splitStatements(Postgres.Render(src))
	if len(pg) != 3 || !strings.Contains(pg[1], "pg_trgm") || strings.Contains(strings.Join(pg, "\n"), "fts5") || !strings.Contains(pg[0], "IDENTITY") {
		t.Errorf("postgres: %q", pg)
	}
}

// TestSplitDollarQuotedBody: a PostgreSQL function's body between "$$" is one
// statement with the CREATE FUNCTION, whatever semicolons end its lines, and a
// PostgreSQL trigger (no body) ends at its semicolon.
func TestSplitDollarQuotedBody(t *testing.T) {
	src := "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  -- a comment\n  UPDATE a SET n = n + 1;\n  RETURN NULL;\nEND\n$$;\nCREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();\nCREATE INDEX b ON a (id);\n"
	got := splitStatements(Postgres.Render(src))
	if len(got) != 3 || !strings.HasSuffix(got[0], "$$;") || !strings.Contains(got[0], "RETURN NULL;") || !strings.HasSuffix(got[1], "f();") {
		t.Errorf("%q", got)
	}
}
