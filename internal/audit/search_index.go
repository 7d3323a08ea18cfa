package audit

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
)

// SearchIndexer adds the entries recorded since its last run to SQLite's text search
// index (migration 0017). Recording an entry no longer writes the index: a billing run
// records tens of thousands in one go, and FTS5 flushing and merging its segments in
// every batch's transaction cost a seventh of the run's writer (issue 16). Until the
// indexer reaches an entry, List finds it by a walk with LIKE over the entries above
// the index (searchTail), so nothing is ever missing from a search, only slower to
// find while the indexer catches up. On PostgreSQL it does nothing: the trigram index
// is written with the row.
type SearchIndexer struct {
	DB *store.DB
	// Batch is the entries indexed per transaction; 0 means searchIndexBatch. Each
	// transaction holds SQLite's write lock, so it is kept short.
	Batch int

	failpoint func(string) error // tests: a non-nil error stops the run there
}

// searchIndexBatch entries take FTS5 some tens of milliseconds to index on a small
// machine: other writers wait no longer than that.
const searchIndexBatch = 2000

// Job runs the indexer every minute.
func (x *SearchIndexer) Job() jobs.Job {
	return jobs.Job{Name: "audit.search", Every: time.Minute, Run: func(ctx context.Context, _ time.Time) error {
		_, err := x.Run(ctx)
		return err
	}}
}

// Run indexes every entry above the index, a batch per transaction, and returns how
// many it indexed. Each transaction moves audit_search_state with the rows it adds,
// so a run killed half-way keeps the batches it committed and the next run starts
// after them: no entry is indexed twice (which would corrupt FTS5's external-content
// index) and none is skipped.
func (x *SearchIndexer) Run(ctx context.Context) (int, error) {
	batch := x.Batch
	if batch <= 0 {
		batch = searchIndexBatch
	}
	total := 0
	for {
		n, err := x.runBatch(ctx, batch)
		total += n
		if err != nil {
			return total, fmt.Errorf("audit: search index: %w", err)
		}
		if n < batch {
			return total, nil
		}
	}
}

func (x *SearchIndexer) runBatch(ctx context.Context, batch int) (int, error) {
	if x.DB.Dialect != store.SQLite {
		return 0, nil
	}
	var n int
	err := x.DB.InTx(ctx, func(tx store.Querier) error {
		upto, err := searchedUpTo(ctx, tx)
		if err != nil {
			return err
		}
		var last sql.NullInt64
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT MAX(seq), COUNT(*) FROM (SELECT seq FROM audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2) b`,
			upto, batch).Scan(&last, &count); err != nil {
			return err
		}
		if count == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_search (rowid, summary, actor_label, object_id)
			SELECT seq, summary, actor_label, object_id FROM audit_entries WHERE seq > $1 AND seq <= $2 ORDER BY seq`, upto, last.Int64); err != nil {
			return err
		}
		if err := x.fail("indexed"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_search_state SET upto = $1 WHERE id = 1`, last.Int64); err != nil {
			return err
		}
		n = count
		return nil
	})
	return n, err
}

func (x *SearchIndexer) fail(point string) error {
	if x.failpoint == nil {
		return nil
	}
	return x.failpoint(point)
}

// searchedUpTo is the newest seq SQLite's text search index holds.
func searchedUpTo(ctx context.Context, q store.Querier) (int64, error) {
	var upto int64
	err := q.QueryRowContext(ctx, `SELECT upto FROM audit_search_state WHERE id = 1`).Scan(&upto)
	return upto, err
}
