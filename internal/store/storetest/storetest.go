// Package storetest runs a store test on every engine: SQLite always, PostgreSQL when
// HOSTPACT_TEST_POSTGRES holds a server URL. Each run gets a fresh database (a temporary
// SQLite file, or a PostgreSQL schema of its own that is dropped afterwards).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
)

// EnvPostgres names the variable that holds the PostgreSQL URL for store tests.
const EnvPostgres = "HOSTPACT_TEST_POSTGRES"

// Each calls fn in a subtest per engine ("sqlite", "postgres") with a fresh database
// on which schemas are migrated.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB), schemas ...store.Schema) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, Open(t, store.SQLite, schemas...))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Open(t, store.Postgres, schemas...))
	})
}

// Open returns a fresh, migrated database of the given dialect, closed at the end of
// the test. For PostgreSQL it skips the test when HOSTPACT_TEST_POSTGRES is unset.
func Open(t testing.TB, d store.Dialect, schemas ...store.Schema) *store.DB {
	t.Helper()
	ctx := context.Background()
	dsn := URL(t, d)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, schemas...); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// URL returns the URL of a fresh, empty database of dialect d for this test. Opening it
// more than once (as two instances would) reaches the same database.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "hostpact-test.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL store test skipped: set %s to a server URL to run it", EnvPostgres)
	}
	ctx := context.Background()
	admin, err := store.Open(ctx, base)
	if err != nil {
		t.Fatalf("%s=%s: %v", EnvPostgres, base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
