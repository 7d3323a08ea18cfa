package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"
)

// openSQLite opens dsn through modernc's driver with every statement's "$N" parameters
// run as "?" (see positional). Every connection of the pool shares one cache.
func openSQLite(dsn string) (*sql.DB, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(&sqliteConnector{base: base, cache: &positionalCache{}}), nil
}

type sqliteConnector struct {
	base  driver.Connector
	cache *positionalCache
}

// sqliteBase is what modernc's connection implements and the wrapper passes on.
type sqliteBase interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

func (c *sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	b, ok := cn.(sqliteBase)
	if !ok {
		cn.Close()
		return nil, fmt.Errorf("store: the sqlite driver's connection %T lacks an interface the store needs", cn)
	}
	return &sqliteConn{b: b, cache: c.cache}, nil
}

func (c *sqliteConnector) Driver() driver.Driver { return c.base.Driver() }

type sqliteConn struct {
	b     sqliteBase
	cache *positionalCache
}

// bindArgs puts args in the order of p's "?" (see positional.order). An argument's
// name plays no part: database/sql only passes names that begin with a letter, which
// "$N" cannot match, so SQLite bound "$N" to argument N by ordinal all along.
func bindArgs(p positional, args []driver.NamedValue) ([]driver.NamedValue, error) {
	if p.order == nil {
		return args, nil
	}
	out := make([]driver.NamedValue, len(p.order))
	for k, n := range p.order {
		if int(n) > len(args) {
			return nil, fmt.Errorf("store: missing argument $%d", n)
		}
		out[k] = driver.NamedValue{Ordinal: k + 1, Value: args[n-1].Value}
	}
	return out, nil
}

// prepared returns the text to run and its arguments.
func (c *sqliteConn) prepared(query string, args []driver.NamedValue) (string, []driver.NamedValue, error) {
	p := c.cache.get(query)
	a, err := bindArgs(p, args)
	return p.text, a, err
}

func (c *sqliteConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	text, a, err := c.prepared(query, args)
	if err != nil {
		return nil, err
	}
	return c.b.ExecContext(ctx, text, a)
}

func (c *sqliteConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	text, a, err := c.prepared(query, args)
	if err != nil {
		return nil, err
	}
	return c.b.QueryContext(ctx, text, a)
}

func (c *sqliteConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	p := c.cache.get(query)
	st, err := c.b.PrepareContext(ctx, p.text)
	if err != nil {
		return nil, err
	}
	sc, ok := st.(preparedStmt)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("store: the sqlite driver's statement %T lacks ExecContext or QueryContext", st)
	}
	return &sqliteStmt{st: sc, p: p}, nil
}

func (c *sqliteConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *sqliteConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.b.BeginTx(ctx, opts)
}

func (c *sqliteConn) Begin() (driver.Tx, error) {
	return c.b.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *sqliteConn) Close() error                           { return c.b.Close() }
func (c *sqliteConn) Ping(ctx context.Context) error         { return c.b.Ping(ctx) }
func (c *sqliteConn) ResetSession(ctx context.Context) error { return c.b.ResetSession(ctx) }
func (c *sqliteConn) IsValid() bool                          { return c.b.IsValid() }

// sqliteStmt is a prepared rewritten statement.
type sqliteStmt struct {
	st preparedStmt
	p  positional
}

// preparedStmt is what modernc's statement implements and the wrapper passes on.
type preparedStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

func (s *sqliteStmt) Close() error  { return s.st.Close() }
func (s *sqliteStmt) NumInput() int { return -1 }

func (s *sqliteStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	a, err := bindArgs(s.p, args)
	if err != nil {
		return nil, err
	}
	return s.st.ExecContext(ctx, a)
}

func (s *sqliteStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	a, err := bindArgs(s.p, args)
	if err != nil {
		return nil, err
	}
	return s.st.QueryContext(ctx, a)
}

func (s *sqliteStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

func (s *sqliteStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

func namedValues(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}
