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
