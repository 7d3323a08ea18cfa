package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Optimize keeps the query planner's statistics current. On SQLite it runs
// PRAGMA optimize over every table (0x10002: not only those this connection used),
// which analyses a table whose statistics are missing or whose size changed a lot
// since, each reading at most 400 rows of an index (analysis_limit), so a run costs
// milliseconds whatever the size of the database. ANALYZE changes the schema version,
// so every connection of every instance loads the new statistics. A run cut short by
// ctx changes nothing (the run is one transaction). On PostgreSQL it does nothing:
// autovacuum analyses a table once enough of it changed.
func (db *DB) Optimize(ctx context.Context) error {
	if db.Dialect != SQLite {
		return nil
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `PRAGMA analysis_limit = 400`); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	// The limit stays on the pool's connection otherwise, and would make an explicit
	// ANALYZE on it approximate (which is all a failure here can do).
	defer func() { _, _ = c.ExecContext(context.WithoutCancel(ctx), `PRAGMA analysis_limit = 0`) }()
	if err := sqliteStatistics(ctx, c, `PRAGMA optimize = 0x10002`); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}

// Analyze gathers the planner's statistics on tables now (on every table when none is
// named), as after a bulk load, where waiting for autovacuum or the scheduled Optimize
// would leave the planner reading new tables as empty ones.
func (db *DB) Analyze(ctx context.Context, tables ...string) error {
	stmts := []string{`ANALYZE`}
	if len(tables) > 0 {
		stmts = stmts[:0]
		for _, t := range tables {
			if !isPlainName(t) {
				return fmt.Errorf("store: analyze: %q is not a table name", t)
			}
			stmts = append(stmts, `ANALYZE `+t)
		}
	}
	if db.Dialect != SQLite {
		for _, s := range stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("store: analyze: %w", err)
			}
		}
		return nil
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	defer c.Close()
	if err := sqliteStatistics(ctx, c, stmts...); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// sqliteStatistics runs the analysing statements in one transaction and keeps only
// sqlite_stat1 of what they gather. The driver's SQLite is built with STAT4, whose
// samples make the planner look at the value bound to every parameter compared with
// an indexed column, and mark the statement to be prepared again whenever that
// parameter is bound anew: once sqlite_stat4 has rows, nearly every statement is
// parsed and planned again at every run, and a prepared statement saves nothing
// (issue 16). sqlite_stat1's row counts and selectivities are what the planner needs
// to choose this schema's indexes. ANALYZE sqlite_schema makes this connection
// reload the statistics without the samples; the others do so on their next
// statement, the schema version having changed.
func sqliteStatistics(ctx context.Context, c *sql.Conn, stmts ...string) error {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	var samples int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat4'`).Scan(&samples); err != nil {
		return err
	}
	if samples > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat4`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `ANALYZE sqlite_schema`); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// isPlainName reports whether s is an unquoted SQL identifier of letters, digits and
// underscores that does not start with a digit.
func isPlainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}
