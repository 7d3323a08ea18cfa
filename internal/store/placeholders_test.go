package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the unwrapped driver "sqlite", the reference for the rewrite
)

func TestRewritePositional(t *testing.T) {
	for _, c := range []struct {
		in, want string
		order    []uint16
		ok       bool
	}{
		{in: `SELECT 1`, want: `SELECT 1`},
		{in: `SELECT a FROM t WHERE id = $1 AND b = $2`, want: `SELECT a FROM t WHERE id = ? AND b = ?`, ok: true},
		{in: `UPDATE t SET a = $2 WHERE id = $1`, want: `UPDATE t SET a = ? WHERE id = ?`, order: []uint16{2, 1}, ok: true},
		{in: `SELECT $1, $1, $2`, want: `SELECT ?, ?, ?`, order: []uint16{1, 1, 2}, ok: true},
		{in: `SELECT (CAST($1 AS BIGINT)=0 OR org_id=$1)`, want: `SELECT (CAST(? AS BIGINT)=0 OR org_id=?)`, order: []uint16{1, 1}, ok: true},
		{in: `SELECT '$1', $1, 'it''s $2'`, want: `SELECT '$1', ?, 'it''s $2'`, ok: true},
		{in: `SELECT "$1", "a""$2", $1`, want: `SELECT "$1", "a""$2", ?`, ok: true},
		{in: "SELECT `$2`, [$3], $1", want: "SELECT `$2`, [$3], ?", ok: true},
		{in: "SELECT $1 -- and $2\n, $2 /* $3 */", want: "SELECT ? -- and $2\n, ? /* $3 */", ok: true},
		{in: `SELECT $1;`, want: `SELECT ?;`, ok: true},
		{in: "SELECT $1; -- done\n", want: "SELECT ?; -- done\n", ok: true},
		{in: `SELECT a$1, x'00', $10 FROM t`, want: `SELECT a$1, x'00', ? FROM t`, order: []uint16{10}, ok: true},
		{in: `SELECT 1e$1`, want: `SELECT 1e$1`},
		// A limit or offset parameter stays one prepared statement (see placeholders.go).
		{in: `SELECT a FROM t WHERE b = $1 ORDER BY a LIMIT $2 OFFSET $3`, want: `SELECT a FROM t WHERE b = ? ORDER BY a LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)`, ok: true},
		{in: "SELECT a FROM t limit\n $2 offset /* x */ $1", want: "SELECT a FROM t limit\n CAST(? AS INTEGER) offset /* x */ CAST(? AS INTEGER)", order: []uint16{2, 1}, ok: true},
		{in: `SELECT a FROM t LIMIT $1 + 1`, want: `SELECT a FROM t LIMIT CAST(? AS INTEGER) + 1`, ok: true},
		{in: `SELECT "limit", $1 FROM t WHERE x_limit = $2 LIMIT ($3)`, want: `SELECT "limit", ? FROM t WHERE x_limit = ? LIMIT (?)`, ok: true},
		// Left as they are.
		{in: `SELECT $1; SELECT $2`, want: `SELECT $1; SELECT $2`},
		{in: `SELECT $1, ?`, want: `SELECT $1, ?`},
		{in: `SELECT $1, ?2`, want: `SELECT $1, ?2`},
		{in: `SELECT $1, :a`, want: `SELECT $1, :a`},
		{in: `SELECT $1, @a`, want: `SELECT $1, @a`},
		{in: `SELECT $1, #a`, want: `SELECT $1, #a`},
		{in: `SELECT $a`, want: `SELECT $a`},
		{in: `SELECT $01`, want: `SELECT $01`},
		{in: `SELECT $1a`, want: `SELECT $1a`},
		{in: `SELECT $1::text`, want: `SELECT $1::text`},
		{in: `SELECT $1(x)`, want: `SELECT $1(x)`},
		{in: `SELECT $`, want: `SELECT $`},
		{in: `SELECT $99999`, want: `SELECT $99999`},
		{in: `SELECT $1, 'open`, want: `SELECT $1, 'open`},
		{in: `SELECT $1 /* open`, want: `SELECT $1 /* open`},
		{in: `SELECT [$1`, want: `SELECT [$1`},
	} {
		p, ok := rewritePositional(c.in)
		if p.text != c.want || ok != c.ok || !slices.Equal(p.order, c.order) {
			t.Errorf("rewritePositional(%q) = %q %v %v, want %q %v %v", c.in, p.text, p.order, ok, c.want, c.order, c.ok)
		}
	}
}

// restore puts "$N" back for each "?" of a rewrite of a text without '?'.
func restore(p positional) string {
	var sb strings.Builder
	k := 0
	for i := 0; i < len(p.text); i++ {
		if p.text[i] != '?' {
			sb.WriteByte(p.text[i])
			continue
		}
		n := k + 1
		if p.order != nil && k < len(p.order) {
			n = int(p.order[k])
		}
		sb.WriteString("$" + strconv.Itoa(n))
		k++
	}
	return sb.String()
}

func FuzzRewritePositional(f *testing.F) {
	for _, s := range []string{
		`SELECT $1`, `SELECT $2, $1, $2`, `SELECT '$1', $1`, `SELECT "$1" FROM "t""$2" WHERE a = $1`,
		"SELECT $1 -- $2\n, $2", `SELECT /* $1 */ $2`, `SELECT $1; SELECT $2`, `SELECT a$1, $1`,
		`SELECT 'it''s', $3, x'0a', $1`, "SELECT `$1`, [$2], $3", `SELECT $1::text`, `SELECT $$1`, `SELECT $1, ?`,
		`SELECT CASE WHEN $1 THEN '$$' ELSE "$" END, $2`, `SELECT 1.5e3, $1e, $1`,
	} {
		f.Add(s)
	}
	raw, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	wrapped, err := openSQLite("file::memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer wrapped.Close()
	wrapped.SetMaxOpenConns(1)
	args := []any{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"}
	f.Fuzz(func(t *testing.T, in string) {
		p, ok := rewritePositional(in)
		if !ok {
			if p.text != in || p.order != nil {
				t.Fatalf("left as is, but %q %v", p.text, p.order)
			}
			return
		}
		added := strings.Count(p.text, "?") - strings.Count(in, "?")
		if added <= 0 || p.order != nil && added != len(p.order) {
			t.Fatalf("rewrite %q of %q adds %d \"?\" for order %v", p.text, in, added, p.order)
		}
		if !strings.Contains(in, "?") {
			if got := restore(p); got != in {
				t.Fatalf("rewrite %q of %q restores to %q", p.text, in, got)
			}
		}
		// What SQLite makes of the original and of the rewrite must agree. Only a single
		// SELECT without parentheses runs: no script, no function call or subquery that
		// could allocate or loop without bound.
		if strings.ContainsAny(in, ";(") {
			return
		}
		q := "SELECT " + in
		want, werr := selectAll(raw, q, args)
		got, gerr := selectAll(wrapped, q, args)
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(want, got) {
			t.Fatalf("%q: SQLite gives %v (%v), the rewrite %q gives %v (%v)", q, want, werr, p.text, got, gerr)
		}
	})
}

func selectAll(db *sql.DB, q string, args []any) ([][]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() && len(out) < 100 {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func TestPositionalOnSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := openSQLite("file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, c := range []struct {
		q    string
		args []any
		want string
	}{
		{`SELECT $1 || $2`, []any{"a", "b"}, "ab"},
		{`SELECT $2 || $1 || $2`, []any{"a", "b"}, "bab"},
		{`SELECT '$1' || $1 || "$2"`, []any{"a", "b"}, "$1a$2"}, // "$2" is a string where no column has the name
		{`SELECT $1 || ' -- ' || $1 -- $2`, []any{"a"}, "a -- a"},
		{`SELECT $3 || $1`, []any{"a", "b", "c"}, "ca"},
		{`SELECT group_concat(v, '') FROM (SELECT value AS v FROM json_each('["a","b","c","d"]') LIMIT $1 OFFSET $2)`, []any{2, 1}, "bc"},
	} {
		var got string
		if err := db.QueryRowContext(ctx, c.q, c.args...).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s %v = %q, %v; want %q", c.q, c.args, got, err, c.want)
		}
		// Prepared, as the billing run's statement cache does, and used twice.
		st, err := db.PrepareContext(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := st.QueryRowContext(ctx, c.args...).Scan(&got); err != nil || got != c.want {
				t.Errorf("prepared %s %v = %q, %v; want %q", c.q, c.args, got, err, c.want)
			}
		}
		st.Close()
	}
	var got string
	if err := db.QueryRowContext(ctx, `SELECT $2 || $1`, "a").Scan(&got); err == nil {
		t.Errorf("a missing argument: got %q, want an error", got)
	}
	// A script numbers each statement's parameters: left as it is.
	if _, err := db.ExecContext(ctx, `CREATE TABLE s (a TEXT); INSERT INTO s VALUES ($2); INSERT INTO s VALUES ($1)`, "one", "two"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT group_concat(a, ',') FROM s`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() || rows.Scan(&got) != nil || got != "two,one" {
		t.Errorf("script: %q", got)
	}
}

func TestPositionalCacheBounded(t *testing.T) {
	var c positionalCache
	for i := range 3 * maxPositionalEntries {
		q := fmt.Sprintf("SELECT $1 + %d", i)
		if p := c.get(q); p.text != fmt.Sprintf("SELECT ? + %d", i) {
			t.Fatalf("%q → %q", q, p.text)
		}
	}
	if len(c.m) > maxPositionalEntries || c.bytes > maxPositionalBytes {
		t.Fatalf("cache holds %d entries, %d bytes", len(c.m), c.bytes)
	}
	big := "SELECT $1" + strings.Repeat(", $1", maxPositionalBytes/16)
	c.get(big)
	if _, kept := c.m[big]; kept {
		t.Fatal("a text larger than the cache's share was kept")
	}
}

// BenchmarkInsertPlaceholders compares a 100-row, 32-column INSERT (the billing run's
// invoice INSERT for a batch of 100 customers) written with "$N", "?NNN" and "?" on modernc's driver, and "$N"
// through the store's connection, which runs it as "?".
func BenchmarkInsertPlaceholders(b *testing.B) {
	const rows, width = 100, 32
	text := func(mark func(n int) string) string {
		var sb strings.Builder
		sb.WriteString("INSERT INTO t VALUES ")
		n := 0
		for i := range rows {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range width {
				if j > 0 {
					sb.WriteString(", ")
				}
				n++
				sb.WriteString(mark(n))
			}
			sb.WriteByte(')')
		}
		return sb.String()
	}
	args := make([]any, rows*width)
	for i := range args {
		args[i] = int64(i)
	}
	cols := make([]string, width)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	create := "CREATE TABLE t (" + strings.Join(cols, ", ") + ")"
	dollar := text(func(n int) string { return "$" + strconv.Itoa(n) })
	for _, c := range []struct {
		name  string
		store bool
		query string
	}{
		{"dollar", false, dollar},
		{"questionN", false, text(func(n int) string { return "?" + strconv.Itoa(n) })},
		{"question", false, text(func(int) string { return "?" })},
		{"store", true, dollar},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			var db *sql.DB
			var err error
			if c.store {
				db, err = openSQLite("file::memory:")
			} else {
				db, err = sql.Open("sqlite", "file::memory:")
			}
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			if _, err := db.ExecContext(ctx, create); err != nil {
				b.Fatal(err)
			}
			b.Run("exec", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.ExecContext(ctx, c.query, args...); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("prepared", func(b *testing.B) {
				st, err := db.PrepareContext(ctx, c.query)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				for b.Loop() {
					if _, err := st.ExecContext(ctx, args...); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
