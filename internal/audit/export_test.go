package audit

import (
	"context"
	"errors"
	"time"

	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// RecordKeyed is Record with keys instead of the process's key, so tests need no global.
func RecordKeyed(ctx context.Context, q store.Querier, at time.Time, c Change, keys *secrets.Keyring) error {
	return recordMany(ctx, q, at, []Change{c}, keys)
}

// WriteCheckpointFile is the first half of a checkpoint run: the file, not its record.
func WriteCheckpointFile(dir string, c Checkpoint) error { return writeCheckpoint(dir, c) }

// PlainHash is the unkeyed hash an attacker without the key can compute.
func PlainHash(e Entry) string { return e.legacyHash() }

// MACWith is the entry's MAC under keys.
func MACWith(e Entry, keys *secrets.Keyring) string {
	s, err := e.mac(keys, keys.ID())
	if err != nil {
		panic(err)
	}
	return s
}

// IndexBatch is one of the SearchIndexer's transactions.
func (x *SearchIndexer) IndexBatch(ctx context.Context, n int) (int, error) {
	return x.runBatch(ctx, n)
}

// FailAt makes the indexer's run stop with an error the nth time it reaches point;
// nth 0 clears it.
func (x *SearchIndexer) FailAt(point string, nth int) {
	calls := 0
	x.failpoint = func(p string) error {
		if p == point {
			if calls++; calls == nth {
				return errKilled
			}
		}
		return nil
	}
}

var errKilled = errors.New("killed")
