package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// SQLite's automatic checkpoint copies the write-ahead log into the database file
// inside the COMMIT that takes the log past wal_autocheckpoint pages (1000 by default),
// on the committing connection: the writer waits while the pages are copied. In a
// billing run of 100,000 subscriptions a third of the writer's commit time went
// there, and the run took 12–13 s where without checkpoints it took 9.7 s (issue 16).
//
// So one goroutine per database checkpoints on a connection of its own, beside the
// writers: PASSIVE, which never waits for or blocks a reader or a writer. After a
// pause in the writing it has copied the whole log, and the next writer starts the
// log again from its beginning. Under writes without a pause it stays a little
// behind, and the log would grow with everything written (640 MB over a billing
// run's setup and run). The automatic checkpoint stays as the bound:
// checkpointAfter pages, 32 MiB, instead of 1000. A commit that takes the log past it
// checkpoints, but finds nearly everything copied already; once the log is copied
// the next writer starts it again. Durability is the same either way: a commit is in
// the log before it returns, and SQLite replays the log after a crash.
//
// The log is checked every checkpointBusy while it grows and every checkpointIdle
// while it does not. SQLite itself checkpoints and removes the log when the last
// connection of the last process closes.
const (
	checkpointBusy  = 50 * time.Millisecond
	checkpointIdle  = time.Second
	checkpointAfter = 8192 // pages, for wal_autocheckpoint
)

// checkpointer runs PASSIVE checkpoints on its own pool of one connection until stop.
type checkpointer struct {
	db      *sql.DB
	stop    chan struct{}
	done    sync.WaitGroup
	stopped sync.Once
	last    int // the log's length in frames at the previous checkpoint
}

func startCheckpointer(db *sql.DB) *checkpointer {
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer c.done.Done()
	wait := checkpointIdle
	t := time.NewTimer(checkpointBusy)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if grew, err := c.checkpoint(); err == nil && grew {
			wait = checkpointBusy
		} else {
			// Nothing to copy, or the database is busy (another process checkpoints,
			// or one holds it exclusively): look again later.
			wait = min(2*wait, checkpointIdle)
		}
		t.Reset(wait)
	}
}

// checkpoint runs one PASSIVE checkpoint and reports whether the log changed since
// the previous one: whether anything was written meanwhile.
func (c *checkpointer) checkpoint() (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, logged, copied int
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied); err != nil {
		return false, err
	}
	grew := logged != c.last
	c.last = logged
	return grew, nil
}

// close stops the checkpoints; closing the database twice is allowed, as sql.DB's.
func (c *checkpointer) close() error {
	var err error
	c.stopped.Do(func() {
		close(c.stop)
		c.done.Wait()
		err = c.db.Close()
	})
	return err
}
