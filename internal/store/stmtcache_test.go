package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestPreparedStatementsAreKeptSafely: the SQLite connection's kept statements give the
// same answers as fresh ones when a query runs again while its own rows are still
// open, after the schema changed under them, after a failed run, and when more
// distinct statements run than the connection keeps.
func TestPreparedStatementsAreKeptSafely(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: every statement meets its kept copy
	for _, q := range []string{`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`,
		`INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const each = `SELECT id, v FROM t WHERE id >= $1 ORDER BY id`
	err = db.InTx(ctx, func(q Querier) error {
		outer, err := q.QueryContext(ctx, each, 1)
		if err != nil {
			return err
		}
		defer outer.Close()
		got := ""
		for outer.Next() {
			var id int
			var v string
			if err := outer.Scan(&id, &v); err != nil {
				return err
			}
			// The same text again while the outer rows are open.
			inner, err := q.QueryContext(ctx, each, id)
			if err != nil {
				return err
			}
			n := 0
			for inner.Next() {
				n++
			}
			inner.Close()
			got += fmt.Sprintf("%s%d ", v, n)
		}
		if got != "a3 b2 c1 " {
			t.Errorf("nested runs of one statement: %q", got)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	// A unique violation leaves the kept insert usable.
	const ins = `INSERT INTO t (id, v) VALUES ($1, $2)`
	if _, err := db.ExecContext(ctx, ins, 4, "a"); err == nil {
		t.Fatal("duplicate accepted")
	}
	if _, err := db.ExecContext(ctx, ins, 4, "d"); err != nil {
		t.Fatalf("after a failed run: %v", err)
	}
	// The schema changes under a kept statement: SQLite prepares it again.
	const star = `SELECT * FROM t WHERE id = $1`
	var id int
	var v string
	if err := db.QueryRowContext(ctx, star, 4).Scan(&id, &v); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE t ADD COLUMN w TEXT NOT NULL DEFAULT 'x'`); err != nil {
		t.Fatal(err)
	}
	var w string
	if err := db.QueryRowContext(ctx, star, 4).Scan(&id, &v, &w); err != nil || w != "x" {
		t.Fatalf("after the schema changed: %v %q", err, w)
	}
	// More distinct statements than a connection keeps.
	for i := range stmtCacheMax + 50 {
		var n int
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) + %d FROM t`, i)).Scan(&n); err != nil || n != 4+i {
			t.Fatalf("statement %d: %v %d", i, err, n)
		}
	}
	if err := db.QueryRowContext(ctx, star, 1).Scan(&id, &v, &w); err != nil || v != "a" {
		t.Fatalf("after evictions: %v %q", err, v)
	}
}
