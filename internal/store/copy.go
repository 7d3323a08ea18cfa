package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Copier is a Querier that can also stream rows into a table with PostgreSQL's COPY:
// the cheapest way in for many rows on both sides of the connection, with no SQL
// text or parameter list to build, parse and plan. A CopyFrom takes part in the
// transaction like any statement; a unique or foreign key violation fails it (COPY
// has no ON CONFLICT) and leaves the transaction to be rolled back.
type Copier interface {
	Querier
	CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) (int64, error)
}

// CopierOf returns q's COPY when it has one: q itself when it is a ConnTx of
// PostgreSQL, or what a wrapper of one returns from its Copier method.
func CopierOf(q Querier) (Copier, bool) {
	switch c := q.(type) {
	case *ConnTx:
		return c, c != nil && c.postgres
	case interface{ Copier() (Copier, bool) }:
		return c.Copier()
	}
	return nil, false
}

// ConnTx is a transaction that keeps hold of its connection, so that it can COPY
// (PostgreSQL only: see BeginConnTx).
type ConnTx struct {
	*sql.Tx
	conn     *sql.Conn
	postgres bool
}

// ErrNoCopy: the engine has no COPY (SQLite).
var ErrNoCopy = errors.New("store: COPY needs PostgreSQL")

// BeginConnTx begins a transaction on a connection of its own, which Commit or
// Rollback returns to the pool. On PostgreSQL it is a Copier.
func (db *DB) BeginConnTx(ctx context.Context) (*ConnTx, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &ConnTx{Tx: tx, conn: conn, postgres: db.Dialect == Postgres}, nil
}

// Commit commits and returns the connection to the pool.
func (t *ConnTx) Commit() error {
	err := t.Tx.Commit()
	t.conn.Close()
	return err
}

// Rollback rolls back and returns the connection to the pool.
func (t *ConnTx) Rollback() error {
	err := t.Tx.Rollback()
	t.conn.Close()
	return err
}

// CopyFrom copies rows into table's columns in the transaction (PostgreSQL's COPY in
// binary form, through pgx on the transaction's own connection). Values are as for a
// statement's arguments: int64, string, time.Time, nil for NULL.
func (t *ConnTx) CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) (int64, error) {
	var n int64
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return ErrNoCopy
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: copy into %s: %w", table, err)
	}
	return n, nil
}
