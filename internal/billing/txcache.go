package billing

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/hostpact/hostpact/internal/store"
)

// stmtCache keeps prepared statements for the hot SQL of issuing. Preparing is most of
// the cost of a short statement on SQLite (and a round trip on PostgreSQL), and the
// billing run issues thousands of documents with the same dozen statements — its own
// and those of audit.Record and notify.Enqueue, which it reaches through the cached
// transaction below. database/sql re-prepares a statement once per connection and
// reuses it there (Tx.StmtContext).
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	// off: pgx already keeps a prepared statement per query text and connection.
	off bool
}

const maxCachedStmts = 256

// get returns the prepared statement for query, or nil when it is not prepared yet;
// then it is prepared after the transaction (preparePending). Preparing inside a
// transaction would take a second connection from the pool while this one holds
// SQLite's write lock — with every other connection waiting for that lock, a deadlock.
func (c *stmtCache) get(query string) *sql.Stmt {
	if c.off {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m)+len(c.pending) < maxCachedStmts {
		if c.pending == nil {
			c.pending = map[string]bool{}
		}
		c.pending[query] = true
	}
	return nil
}

// preparePending prepares the statements seen since the last call, outside any
// transaction.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	var queries []string
	for q := range c.pending {
		queries = append(queries, q)
	}
	c.pending = nil
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue // run unprepared; the error shows there
		}
		c.mu.Lock()
		if c.m == nil {
			c.m = map[string]*sql.Stmt{}
		}
		if _, dup := c.m[q]; dup {
			st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

// cachedTx is a transaction whose statements come from the cache; on PostgreSQL it
// holds its connection (ct), through which the run's batches COPY their rows.
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
	ct *store.ConnTx
}

// Copier is the transaction's COPY (store.CopierOf), which audit.RecordMany uses too.
func (q cachedTx) Copier() (store.Copier, bool) {
	if q.ct == nil {
		return nil, false
	}
	return store.CopierOf(q.ct)
}

// copierOf returns q's COPY when it has one (a PostgreSQL transaction of inTx).
func copierOf(q store.Querier) (store.Copier, bool) { return store.CopierOf(q) }

func (q cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.c.get(query); st != nil {
		return q.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.c.get(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.c.get(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

// inTx runs fn in a transaction with cached statements and commits when fn returns
// nil (store.DB.InTx with the cache).
func (s *Service) inTx(ctx context.Context, fn func(q store.Querier) error) error {
	if s.db.Dialect == store.Postgres {
		ct, err := s.db.BeginConnTx(ctx)
		if err != nil {
			return fmt.Errorf("billing: begin: %w", err)
		}
		if err := fn(cachedTx{tx: ct.Tx, c: s.stmts, ct: ct}); err != nil {
			_ = ct.Rollback() // fn's error is the one to report; a failed rollback drops the connection
			return err
		}
		if err := ct.Commit(); err != nil {
			return fmt.Errorf("billing: commit: %w", err)
		}
		return nil
	}
	defer s.stmts.preparePending(context.WithoutCancel(ctx))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("billing: begin: %w", err)
	}
	if err := fn(cachedTx{tx: tx, c: s.stmts}); err != nil {
		_ = tx.Rollback() // fn's error is the one to report; a failed rollback drops the connection
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("billing: commit: %w", err)
	}
	return nil
}
