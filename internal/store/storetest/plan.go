package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
)

// Plan returns the engine's plan for query with args, one line per step: SQLite's
// EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN lines with sequential scans
// disabled for the session, so that a test table of a few rows still shows the index
// the planner can use (and a sequential scan shows that it cannot).
func Plan(t testing.TB, db *store.DB, query string, args ...any) []string {
	t.Helper()
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	prefix := `EXPLAIN QUERY PLAN `
	if db.Dialect == store.Postgres {
		prefix = `EXPLAIN `
		if _, err := c.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
			t.Fatal(err)
		}
		defer c.ExecContext(ctx, `RESET enable_seqscan`) //nolint:errcheck // the connection is a test's
	}
	rows, err := c.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, query)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		switch v := vals[len(vals)-1].(type) { // SQLite: the detail column; PostgreSQL: the only one
		case string:
			out = append(out, v)
		case []byte:
			out = append(out, string(v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// NoFullScan fails the test when the plan of query reads the whole of one of tables
// (see FullScans). It returns the plan for the log.
func NoFullScan(t testing.TB, db *store.DB, tables []string, query string, args ...any) []string {
	t.Helper()
	plan := Plan(t, db, query, args...)
	if bad := FullScans(plan, tables...); len(bad) > 0 {
		t.Errorf("%s: full scan (%s) in the plan:\n%s\nquery: %s", db.Dialect, strings.Join(bad, "; "), strings.Join(plan, "\n"), query)
	}
	return plan
}

// FullScans returns the steps of plan that read the whole of one of tables: a SQLite
// "SCAN" of the table (give its alias too when the query uses one), or a PostgreSQL
// "Seq Scan" on it.
func FullScans(plan []string, tables ...string) []string {
	var out []string
	for _, line := range plan {
		l := strings.TrimLeft(line, " ->")
		for _, tb := range tables {
			if l == "SCAN "+tb || strings.HasPrefix(l, "SCAN "+tb+" ") || strings.HasPrefix(l, "Seq Scan on "+tb+" ") || l == "Seq Scan on "+tb {
				out = append(out, l)
			}
		}
	}
	return out
}
