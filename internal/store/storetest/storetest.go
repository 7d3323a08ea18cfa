// Package storetest runs a store test on every engine: SQLite always, PostgreSQL when
// HOSTPACT_TEST_POSTGRES holds a server URL. Each run gets a fresh database (a temporary
// SQLite file, or a PostgreSQL schema of its own that is dropped afterwards).
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
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
	if d == store.SQLite {
		// A copy of the file migrated once per test binary is the very database a
		// migration would leave; migrating all schemas per test was most of the
		// time of the web and app tests under the race detector.
		img, err := migratedSQLite(schemas)
		if err != nil {
			t.Fatalf("migrate %s: %v", d, err)
		}
		if err := os.WriteFile(dsn, img, 0o600); err != nil {
			t.Fatal(err)
		}
	}
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

// sqliteImages holds, per set of schemas (by the content of their migrations), the
// bytes of a SQLite file on which exactly those schemas were migrated.
var sqliteImages sync.Map // key string -> *sqliteImage

type sqliteImage struct {
	once sync.Once
	b    []byte
	err  error
}

// migratedSQLite returns the bytes of a SQLite database file on which schemas were
// migrated, migrating them the first time a set is asked for. Open still runs Migrate
// on the copy, which then finds nothing to do: a test sees the same as before.
func migratedSQLite(schemas []store.Schema) ([]byte, error) {
	key, err := schemasKey(schemas)
	if err != nil {
		return nil, err
	}
	v, _ := sqliteImages.LoadOrStore(key, &sqliteImage{})
	img := v.(*sqliteImage)
	img.once.Do(func() { img.b, img.err = migrateSQLiteImage(schemas) })
	return img.b, img.err
}

func migrateSQLiteImage(schemas []store.Schema) ([]byte, error) {
	dir, err := os.MkdirTemp("", "hostpact-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, schemas...); err != nil {
		db.Close()
		return nil, err
	}
	// Everything into the main file, so that the file alone is the database.
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("storetest: the template's write-ahead log still holds %d bytes", fi.Size())
	}
	return os.ReadFile(path)
}

// schemasKey names a list of schemas by their names, order and migration files, so
// two schemas of one name with different migrations (a test's own) never share a file.
func schemasKey(schemas []store.Schema) (string, error) {
	h := sha256.New()
	for _, s := range schemas {
		fmt.Fprintf(h, "schema %q\n", s.Name)
		err := fs.WalkDir(s.FS, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := fs.ReadFile(s.FS, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "file %q %d\n", p, len(b))
			h.Write(b)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("storetest: schema %s: %w", s.Name, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// URL returns the URL of a fresh, empty database of dialect d for this test. Opening it
// more than once (as two instances would) reaches the same database.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "hostpact-test.db")
	}
	u, drop, err := postgresURL()
	if err == ErrNoPostgres {
		t.Skipf("PostgreSQL store test skipped: set %s to a server URL to run it", EnvPostgres)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return u
}

// ErrNoPostgres is the answer for PostgreSQL when HOSTPACT_TEST_POSTGRES is unset.
var ErrNoPostgres = errors.New("storetest: " + EnvPostgres + " is not set")

// postgresURL makes a schema of its own on the server of HOSTPACT_TEST_POSTGRES and
// returns the URL that reaches it, and drop, which drops it.
func postgresURL() (string, func(), error) {
	base := os.Getenv(EnvPostgres)
	if base == "" {
		return "", nil, ErrNoPostgres
	}
	ctx := context.Background()
	admin, err := store.Open(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("%s=%s: %w", EnvPostgres, base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("%s: %w", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	// A test's database outlives no crash: commits need not wait for the disk, which
	// is most of a migration's time on a busy machine. What a test sees is the same.
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// OpenShared returns a fresh, migrated database of dialect d that outlives any one
// test, for a fixture that several tests of a package read (built once, where building
// it is what costs); closeAndDrop closes it and removes it, from TestMain after m.Run.
// Without HOSTPACT_TEST_POSTGRES a PostgreSQL one is ErrNoPostgres: skip the test.
func OpenShared(d store.Dialect, schemas ...store.Schema) (db *store.DB, closeAndDrop func(), err error) {
	ctx := context.Background()
	var dsn string
	var drop func()
	if d == store.SQLite {
		dir, err := os.MkdirTemp("", "hostpact-storetest-")
		if err != nil {
			return nil, nil, err
		}
		dsn, drop = filepath.Join(dir, "hostpact-test.db"), func() { os.RemoveAll(dir) }
		img, err := migratedSQLite(schemas)
		if err == nil {
			err = os.WriteFile(dsn, img, 0o600)
		}
		if err != nil {
			drop()
			return nil, nil, err
		}
	} else {
		dsn, drop, err = postgresURL()
		if err != nil {
			return nil, nil, err
		}
	}
	db, err = store.Open(ctx, dsn)
	if err != nil {
		drop()
		return nil, nil, fmt.Errorf("open %s: %w", d, err)
	}
	closeAndDrop = func() { db.Close(); drop() }
	if err := db.Migrate(ctx, schemas...); err != nil {
		closeAndDrop()
		return nil, nil, fmt.Errorf("migrate %s: %w", d, err)
	}
	return db, closeAndDrop, nil
}

// SkipNoPostgres skips t when err is ErrNoPostgres, with the message URL gives.
func SkipNoPostgres(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoPostgres) {
		t.Skipf("PostgreSQL store test skipped: set %s to a server URL to run it", EnvPostgres)
	}
}
