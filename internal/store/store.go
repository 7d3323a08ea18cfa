// Package store opens hostpact's database — SQLite by default, PostgreSQL for production —
// and applies the schemas the domain packages own.
//
// One SQL text serves both engines: queries use $1 placeholders, RETURNING and
// ON CONFLICT, which SQLite (3.35+) and PostgreSQL both understand. On SQLite the
// connection runs "$N" as "?" (placeholders.go), which SQLite binds without a name
// lookup. Where the engines
// differ in DDL, a migration uses a token (see Dialect.Render) instead of a second file.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
)

// Dialect names a database engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a database handle that knows its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
	ckpt    *checkpointer // SQLite: checkpoints the write-ahead log (checkpoint.go)
}

// Close stops the checkpoints and closes the database.
func (db *DB) Close() error {
	if db.ckpt != nil {
		_ = db.ckpt.close()
	}
	return db.DB.Close()
}

// Querier is what a store function needs to run SQL: a *sql.DB, *sql.Tx or *sql.Conn.
// Domain packages take a Querier so that a caller can put several packages' writes —
// and the audit entry — in one transaction (DESIGN.md, principle 3).
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// The pools keep as many connections idle as they may open. database/sql keeps two by
// default and closes every other connection a query hands back, so under load a busy
// pool opened connections again and again: on SQLite each new one costs its PRAGMAs,
// the schema read and every statement's preparation, a fifth of the CPU of a portal page
// at 50 connections (issue 16). An idle PostgreSQL connection still ends after five
// minutes; an SQLite one costs only memory.
const (
	pgConns     = 20
	sqliteConns = 8
)

// Open connects to url: a postgres:// or postgresql:// URL, or else a SQLite file path
// (optionally prefixed with sqlite: or file:).
func Open(ctx context.Context, rawURL string) (*DB, error) {
	if rawURL == "" {
		return nil, errors.New("store: empty database URL")
	}
	var db *DB
	var ckpt *sql.DB // SQLite in a file: the checkpointer's connection
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		sqlDB, err := sql.Open("pgx", rawURL)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		sqlDB.SetMaxOpenConns(pgConns)
		sqlDB.SetMaxIdleConns(pgConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		db = &DB{DB: sqlDB, Dialect: Postgres}
	} else {
		dsn, err := sqliteDSN(rawURL)
		if err != nil {
			return nil, fmt.Errorf("store: sqlite URL: %w", err)
		}
		sqlDB, err := openSQLite(dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		// One writer at a time is SQLite's model; _txlock=immediate makes every
		// transaction take the write lock at BEGIN, so two writers queue on the busy
		// timeout instead of failing on lock upgrade. Readers run beside them (WAL).
		sqlDB.SetMaxOpenConns(sqliteConns)
		sqlDB.SetMaxIdleConns(sqliteConns)
		db = &DB{DB: sqlDB, Dialect: SQLite}
		if !strings.Contains(dsn, ":memory:") && !strings.Contains(dsn, "mode=memory") {
			if ckpt, err = openSQLite(dsn); err != nil {
				sqlDB.Close()
				return nil, fmt.Errorf("store: open sqlite: %w", err)
			}
		}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := ping(pingCtx, db); err != nil {
		db.Close()
		if ckpt != nil {
			ckpt.Close()
		}
		return nil, fmt.Errorf("store: connect %s: %w", db.Dialect, err)
	}
	if ckpt != nil {
		db.ckpt = startCheckpointer(ckpt)
	}
	return db, nil
}

// ping connects once. A new SQLite file is switched to WAL by the first connection,
// which needs the file to itself: SQLite answers a second process opening it at that
// moment with SQLITE_BUSY without waiting on busy_timeout, so a busy connect is
// retried until ctx ends.
func ping(ctx context.Context, db *DB) error {
	wait := 5 * time.Millisecond
	for {
		err := db.PingContext(ctx)
		if err == nil || db.Dialect != SQLite || !isBusy(err) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func isBusy(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}

func sqliteDSN(raw string) (string, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "file:")
	path, query, _ := strings.Cut(path, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("the query %q of the database URL: %w", query, err)
	}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "temp_store(MEMORY)", "wal_autocheckpoint(" + strconv.Itoa(checkpointAfter) + ")"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	// SQLite reads the name as a URI: a '#' or '?' in a path (t.TempDir of a subtest
	// named "sqlite#01") must be escaped or it cuts the path short.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode(), nil
}

// InTx runs fn in a transaction and commits when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx Querier) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || // SQLite
		strings.Contains(s, "SQLSTATE 23505") // PostgreSQL
}

// Now truncates t to the microsecond and puts it in UTC: PostgreSQL keeps microseconds,
// and SQLite compares timestamps as text, which is only ordered when every value is UTC.
func Now(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Int64s runs a query of one integer column and returns its values: the ids a job
// reads before it handles each in a transaction of its own.
func Int64s(ctx context.Context, q Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
