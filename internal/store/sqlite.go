package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

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
	return &sqliteConn{b: b, cache: c.cache, stmts: map[string]*cachedStmt{}}, nil
}

func (c *sqliteConnector) Driver() driver.Driver { return c.base.Driver() }

type sqliteConn struct {
	b     sqliteBase
	cache *positionalCache
	// stmts keeps this connection's prepared statements by text. modernc prepares a
	// statement for every query run on the connection itself, and at 50 concurrent
	// requests to the portal's home a third of the CPU went to SQLite's parser and
	// planner (sqlite3_prepare_v2) for statements the page runs every time. A
	// prepared statement keeps its handle and is reset after use; SQLite
	// re-prepares it by itself when the schema changes. database/sql uses a
	// connection from one goroutine at a time, so the map needs no lock.
	stmts map[string]*cachedStmt
}

// cachedStmt is a prepared statement of one connection; busy while an Exec runs it or
// its rows are open: a query run again while its rows are still being read (on the
// same connection, within a transaction) is prepared afresh instead.
type cachedStmt struct {
	st   preparedStmt
	busy bool
}

const (
	stmtCacheMax  = 256  // statements kept per connection
	stmtCacheText = 8192 // longer texts (multi-row inserts of varying size) are not kept
)

// cached returns the connection's idle prepared statement for text, preparing and
// keeping it when there is none; nil when text is not to be kept or its statement is
// in use.
func (c *sqliteConn) cached(ctx context.Context, text string) (*cachedStmt, error) {
	if cs, ok := c.stmts[text]; ok {
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	if len(text) > stmtCacheText || strings.Contains(strings.TrimRight(strings.TrimSpace(text), ";"), ";") {
		return nil, nil // a script of several statements runs through the connection
	}
	if len(c.stmts) >= stmtCacheMax {
		for k, cs := range c.stmts { // an idle one, at random
			if !cs.busy {
				cs.st.Close()
				delete(c.stmts, k)
				break
			}
		}
	}
	st, err := c.b.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	ps, ok := st.(preparedStmt)
	if !ok {
		st.Close()
		return nil, nil
	}
	cs := &cachedStmt{st: ps}
	c.stmts[text] = cs
	return cs, nil
}

// cachedRows frees its statement for the next use when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
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
	cs, err := c.cached(ctx, text)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.b.ExecContext(ctx, text, a)
	}
	cs.busy = true
	defer func() { cs.busy = false }()
	return cs.st.ExecContext(ctx, a)
}

func (c *sqliteConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	text, a, err := c.prepared(query, args)
	if err != nil {
		return nil, err
	}
	cs, err := c.cached(ctx, text)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.b.QueryContext(ctx, text, a)
	}
	cs.busy = true
	rows, err := cs.st.QueryContext(ctx, a)
	if err != nil {
		cs.busy = false
		return nil, err
	}
	return &cachedRows{Rows: rows, cs: cs}, nil
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

func (c *sqliteConn) Close() error {
	for _, cs := range c.stmts {
		cs.st.Close()
	}
	c.stmts = nil
	return c.b.Close()
}
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
