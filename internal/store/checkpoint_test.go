package store_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store"
)

// walIndex reads the two counters of SQLite's wal-index (the -shm file; see
// sqlite.org/walformat.html): mxFrame, the frames in the log (offset 16 of the
// header), and nBackfill, the frames a checkpoint has copied into the database file
// (offset 96), both in the machine's byte order, little-endian here.
func walIndex(t *testing.T, path string) (frames, copied uint32) {
	t.Helper()
	b, err := os.ReadFile(path + "-shm")
	if err != nil || len(b) < 100 {
		t.Fatalf("wal-index: %d bytes, %v", len(b), err)
	}
	return binary.LittleEndian.Uint32(b[16:]), binary.LittleEndian.Uint32(b[96:])
}

// TestCheckpointsBesideTheWriter: on SQLite the store's own checkpointer copies what a
// writer committed into the database file, though the commit did not take the log
// to the automatic checkpoint; the next writer then starts the log again; and under
// writes without a pause the log stays near that automatic checkpoint's bound.
func TestCheckpointsBesideTheWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var bound int
	for range 3 { // different pool connections, as far as the pool hands them out
		if err := db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&bound); err != nil || bound < 4000 {
			t.Fatalf("wal_autocheckpoint = %d (%v): commits would checkpoint", bound, err)
		}
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 3000) // a page per row
	write := func(rows int) {
		t.Helper()
		if err := db.InTx(ctx, func(q store.Querier) error {
			for range rows {
				if _, err := q.ExecContext(ctx, `INSERT INTO notes (body) VALUES ($1)`, body); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	write(2000)
	frames, _ := walIndex(t, path)
	if frames < 2000 || int(frames) >= bound {
		t.Fatalf("the log holds %d frames after 2,000 pages, the automatic checkpoint is at %d", frames, bound)
	}
	// The checkpointer works on its own schedule: poll until it has copied the log.
	deadline := time.Now().Add(20 * time.Second)
	for {
		f, c := walIndex(t, path)
		if f == c {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s the checkpointer has copied %d of %d frames", c, f)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() < 2000*3000 {
		t.Fatalf("the database file after the checkpoint: %v %v", fi, err)
	}
	write(10)
	if again, _ := walIndex(t, path); again >= frames {
		t.Fatalf("the log was not started again: %d frames after %d", again, frames)
	}

	// Writes without a pause: the log passes the bound by some transactions (a
	// commit's checkpoint gives way while the checkpointer is copying), but does not
	// grow with everything written.
	most := uint32(0)
	for range 120 {
		write(250)
		f, _ := walIndex(t, path)
		most = max(most, f)
	}
	if most >= 20000 {
		t.Fatalf("the log reached %d frames under 30,000 pages of writes; the bound is %d", most, bound)
	}
}

// TestCloseTwice: closing a database a second time (a test's cleanup after its own
// Close) is as harmless as it is for database/sql.
func TestCloseTwice(t *testing.T) {
	t.Parallel()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
