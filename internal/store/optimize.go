package store

import (
	"context"
	"fmt"
)

// Optimize keeps the query planner's statistics current. On SQLite it runs
// PRAGMA optimize over every table (0x10002: not only those this connection used),
// which analyses a table whose statistics are missing or whose size changed a lot
// since, each reading at most 400 rows of an index (analysis_limit), so a run costs
// milliseconds whatever the size of the database. ANALYZE changes the schema version,
// so every connection of every instance loads the new statistics. A run cut short by
// ctx changes nothing (ANALYZE is a transaction). On PostgreSQL it does nothing:
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
	if _, err := c.ExecContext(ctx, `PRAGMA optimize = 0x10002`); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}
