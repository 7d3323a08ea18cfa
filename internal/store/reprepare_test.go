package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// rawSQLite is one connection through SQLite's C API, for what the database/sql driver
// does not show: how often SQLite prepared a statement again.
type rawSQLite struct {
	t   *testing.T
	tls *libc.TLS
	db  uintptr
}

func openRawSQLite(t *testing.T, path string) *rawSQLite {
	t.Helper()
	tls := libc.NewTLS()
	name, err := libc.CString(path)
	if err != nil {
		t.Fatal(err)
	}
	defer libc.Xfree(tls, name)
	pdb := libc.Xmalloc(tls, 8)
	defer libc.Xfree(tls, pdb)
	if rc := sqlite3.Xsqlite3_open_v2(tls, name, pdb, sqlite3.SQLITE_OPEN_READWRITE, 0); rc != sqlite3.SQLITE_OK {
		t.Fatalf("open %s: %d", path, rc)
	}
	r := &rawSQLite{t: t, tls: tls, db: *(*uintptr)(unsafe.Add(nil, pdb))}
	t.Cleanup(func() { sqlite3.Xsqlite3_close_v2(tls, r.db); tls.Close() })
	return r
}

// reprepares prepares text once, runs it with each set of integer and text
// arguments in turn, and returns how many times SQLite prepared it again.
func (r *rawSQLite) reprepares(text string, runs ...[]any) int {
	r.t.Helper()
	z, err := libc.CString(text)
	if err != nil {
		r.t.Fatal(err)
	}
	defer libc.Xfree(r.tls, z)
	pst := libc.Xmalloc(r.tls, 8)
	defer libc.Xfree(r.tls, pst)
	if rc := sqlite3.Xsqlite3_prepare_v2(r.tls, r.db, z, -1, pst, 0); rc != sqlite3.SQLITE_OK {
		r.t.Fatalf("prepare %q: %s", text, libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db)))
	}
	st := *(*uintptr)(unsafe.Add(nil, pst))
	defer sqlite3.Xsqlite3_finalize(r.tls, st)
	for _, args := range runs {
		for i, a := range args {
			switch v := a.(type) {
			case int:
				sqlite3.Xsqlite3_bind_int64(r.tls, st, int32(i+1), int64(v))
			case string:
				s, _ := libc.CString(v)
				sqlite3.Xsqlite3_bind_text(r.tls, st, int32(i+1), s, -1, ^uintptr(0)) // SQLITE_TRANSIENT: copied
				libc.Xfree(r.tls, s)
			}
		}
		for {
			rc := sqlite3.Xsqlite3_step(r.tls, st)
			if rc == sqlite3.SQLITE_DONE {
				break
			}
			if rc != sqlite3.SQLITE_ROW {
				r.t.Fatalf("step %q: %s", text, libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db)))
			}
		}
		sqlite3.Xsqlite3_reset(r.tls, st)
	}
	return int(sqlite3.Xsqlite3_stmt_status(r.tls, st, sqlite3.SQLITE_STMTSTATUS_REPREPARE, 0))
}

// TestStatementsStayPrepared: a list query, with its organisation, status, limit and
// offset as parameters, runs again with other values without SQLite parsing and
// planning it again, both as rewritten for SQLite and after the planner's statistics
// were gathered by Analyze or Optimize. The same query with a bare "?" limit, or
// after a plain ANALYZE that keeps STAT4's samples, is prepared again at every run:
// what this guards against (issue 16).
func TestStatementsStayPrepared(t *testing.T) {
	ctx := context.Background()
	const list = `SELECT id FROM contracts WHERE org_id = $1 AND status = $2 ORDER BY id DESC LIMIT $3 OFFSET $4`
	runs := [][]any{{7, "active", 20, 0}, {8, "ended", 10, 10}, {9, "active", 50, 0}}
	rewritten, ok := rewritePositional(list)
	if !ok {
		t.Fatal("list query not rewritten")
	}
	bareLimit := strings.ReplaceAll(rewritten.text, "CAST(? AS INTEGER)", "?")
	const byOrg = `SELECT id FROM contracts WHERE org_id = ?`
	orgRuns := [][]any{{7}, {8}, {9}}

	for _, c := range []struct {
		name       string
		statistics func(*DB) error
	}{
		{"none", func(*DB) error { return nil }},
		{"Analyze", func(db *DB) error { return db.Analyze(ctx) }},
		{"Analyze contracts", func(db *DB) error { return db.Analyze(ctx, "contracts") }},
		{"Optimize", func(db *DB) error { return db.Optimize(ctx) }},
		{"plain ANALYZE", func(db *DB) error { _, err := db.ExecContext(ctx, `ANALYZE`); return err }},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h.db")
			db, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(ctx, `CREATE TABLE contracts (id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL, status TEXT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `CREATE INDEX contracts_org ON contracts (org_id, status, id)`); err != nil {
				t.Fatal(err)
			}
			// Skewed, as a provider's customers are: a few hold many contracts.
			var values []string
			for i := range 3000 {
				values = append(values, fmt.Sprintf("(%d, '%s')", min(i%500, i%7), [2]string{"active", "ended"}[i%3/2]))
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO contracts (org_id, status) VALUES `+strings.Join(values, ",")); err != nil {
				t.Fatal(err)
			}
			if err := c.statistics(db); err != nil {
				t.Fatal(err)
			}
			raw := openRawSQLite(t, path)
			if n := raw.reprepares(bareLimit, runs...); n == 0 {
				t.Error("a bare LIMIT parameter was not prepared again: the check no longer sees it")
			}
			samples := c.name == "plain ANALYZE"
			for _, q := range []struct {
				text string
				runs [][]any
			}{{rewritten.text, runs}, {byOrg, orgRuns}} {
				n := raw.reprepares(q.text, q.runs...)
				if samples && n == 0 {
					t.Errorf("%s: with STAT4 samples not prepared again: the check no longer sees it", q.text)
				} else if !samples && n != 0 {
					t.Errorf("%s: prepared again %d times", q.text, n)
				}
			}
		})
	}
}
