package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

var widgets = store.Schema{Name: "widgets", FS: fstest.MapFS{
	"0001_widgets.sql": {Data: []byte(`CREATE TABLE widgets (
	id {{pk}},
	name TEXT NOT NULL UNIQUE,
	made_at {{ts}} NOT NULL,
	done BOOLEAN NOT NULL DEFAULT FALSE,
	blob {{bytes}}
);
CREATE INDEX widgets_made ON widgets (made_at);
`)},
	"0002_more.sql": {Data: []byte(`ALTER TABLE widgets ADD COLUMN note TEXT NOT NULL DEFAULT '';`)},
}}

func TestOneSQLTextOnBothEngines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := store.Now(time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC))
		var id int64
		if err := db.QueryRowContext(ctx, `INSERT INTO widgets (name, made_at, done, blob) VALUES ($1, $2, $3, $4) RETURNING id`,
			"a", t0, true, []byte{0, 1}).Scan(&id); err != nil {
			t.Fatal(err)
		}
		_, err := db.ExecContext(ctx, `INSERT INTO widgets (name, made_at) VALUES ($1, $2)`, "a", t0)
		if !store.IsUniqueViolation(err) {
			t.Fatalf("duplicate name: err = %v, want unique violation", err)
		}
		// ON CONFLICT DO NOTHING is how jobs stay idempotent; it must report zero rows.
		res, err := db.ExecContext(ctx, `INSERT INTO widgets (name, made_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, "a", t0)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 0 {
			t.Fatalf("ON CONFLICT DO NOTHING affected %d rows", n)
		}
		var got time.Time
		var done bool
		var note string
		if err := db.QueryRowContext(ctx, `SELECT made_at, done, note FROM widgets WHERE id = $1`, id).Scan(&got, &done, &note); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(t0) || !done || note != "" {
			t.Fatalf("read back %v %v %q, want %v true \"\"", got, done, note, t0)
		}
		var n int
		later := t0.Add(time.Second)
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM widgets WHERE made_at < $1`, later).Scan(&n); err != nil || n != 1 {
			t.Fatalf("time comparison: n=%d err=%v", n, err)
		}
	}, widgets)
}

func TestMigrateTwiceAtOnce(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			url := storetest.URL(t, d)
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db, err := store.Open(ctx, url)
					if err != nil {
						errs[i] = err
						return
					}
					defer db.Close()
					errs[i] = db.Migrate(ctx, widgets)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE schema_name = 'widgets'`).Scan(&n); err != nil || n != 2 {
				t.Fatalf("applied migrations = %d (%v), want 2", n, err)
			}
		})
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.InTx(ctx, func(q store.Querier) error {
			if _, err := q.ExecContext(ctx, `INSERT INTO widgets (name, made_at) VALUES ('x', $1)`, time.Now().UTC()); err != nil {
				return err
			}
			return context.Canceled
		})
		if err != context.Canceled {
			t.Fatalf("err = %v", err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM widgets`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows after rollback = %d (%v)", n, err)
		}
	}, widgets)
}

// TestOptimize: on SQLite the scheduled PRAGMA optimize gives a grown, never analysed
// table its statistics, and a run interrupted before it ends leaves the database as it
// was and the next run does the work; on PostgreSQL it is a no-op (autovacuum).
func TestOptimize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := store.Now(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		if err := db.InTx(ctx, func(q store.Querier) error {
			for i := range 2000 {
				if _, err := q.ExecContext(ctx, `INSERT INTO widgets (name, made_at) VALUES ($1, $2)`, fmt.Sprint("w", i), t0.Add(time.Duration(i%7)*time.Hour)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := db.Optimize(cancelled); db.Dialect == store.SQLite && err == nil {
			t.Fatal("an interrupted optimize reported success")
		}
		if db.Dialect == store.SQLite {
			if n := stat1Rows(t, db); n != 0 {
				t.Fatalf("an interrupted optimize left %d statistics rows", n)
			}
		}
		if err := db.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
		if db.Dialect != store.SQLite {
			return
		}
		if n := stat1Rows(t, db); n == 0 {
			t.Fatal("no statistics for widgets after optimize")
		}
		// The connection it ran on is back to full ANALYZE.
		var limit int
		for range 8 {
			if err := db.QueryRowContext(ctx, `PRAGMA analysis_limit`).Scan(&limit); err != nil || limit != 0 {
				t.Fatalf("analysis_limit %d, %v", limit, err)
			}
		}
	}, widgets)
}

func stat1Rows(t *testing.T, db *store.DB) int {
	t.Helper()
	var exists, n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists == 0 {
		return 0
	}
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'widgets'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A pool as busy as it may be hands every connection back to be kept: a connection
// closed on its way back has to be opened again by the next query, and on SQLite that
// also prepares every statement again (issue 16).
func TestBusyPoolKeepsItsConnections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		most := db.Stats().MaxOpenConnections
		hold := func() {
			conns := make([]*sql.Conn, most)
			for i := range conns {
				c, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.PingContext(ctx); err != nil {
					t.Fatal(err)
				}
				conns[i] = c
			}
			for _, c := range conns {
				c.Close()
			}
		}
		hold()
		if st := db.Stats(); st.Idle != most || st.MaxIdleClosed != 0 {
			t.Fatalf("after using all %d connections: %d idle, %d closed as surplus", most, st.Idle, st.MaxIdleClosed)
		}
		opened := db.Stats().OpenConnections
		hold()
		if st := db.Stats(); st.OpenConnections != opened || st.MaxIdleClosed != 0 {
			t.Fatalf("second round: %d open (was %d), %d closed as surplus", st.OpenConnections, opened, st.MaxIdleClosed)
		}
	})
}
