package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"
	"time"
)

// DemoEngine is the demo's backup server: it records snapshots in memory and copies
// no file. `hostpact demo` uses it so the pages show a believable history without
// restic or a repository; the demo's server is marked as such (Server.Demo) and the
// restore test leaves it out. Tests use it to count what the jobs asked for.
type DemoEngine struct {
	mu    sync.Mutex
	snaps map[string][]Snapshot
	calls map[string]int
}

func (d *DemoEngine) count(op string) {
	if d.calls == nil {
		d.calls = map[string]int{}
	}
	d.calls[op]++
}

// Calls says how often an operation was asked for.
func (d *DemoEngine) Calls(op string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls[op]
}

// Init does nothing: the demo server needs no repository.
func (d *DemoEngine) Init(context.Context, Repo) error { return nil }

// Backup records a snapshot.
func (d *DemoEngine) Backup(_ context.Context, r Repo, paths, tags []string, at time.Time) (Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("backup")
	if d.snaps == nil {
		d.snaps = map[string][]Snapshot{}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	d.snaps[r.Location] = append(d.snaps[r.Location], Snapshot{ID: id, Short: id[:8], Time: at.UTC(), Paths: paths, Tags: slices.Clone(tags)})
	return Result{SnapshotID: id[:8], FilesTotal: 1200, BytesTotal: 350 << 20, DataAdded: 4 << 20, Duration: 12.5}, nil
}

// Snapshots lists the recorded snapshots with every tag.
func (d *DemoEngine) Snapshots(_ context.Context, r Repo, tags []string) ([]Snapshot, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Snapshot
	for _, s := range d.snaps[r.Location] {
		ok := true
		for _, t := range tags {
			ok = ok && slices.Contains(s.Tags, t)
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// Forget drops the snapshots named.
func (d *DemoEngine) Forget(_ context.Context, r Repo, ids []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("forget")
	d.snaps[r.Location] = slices.DeleteFunc(d.snaps[r.Location], func(s Snapshot) bool { return slices.Contains(ids, s.ID) })
	return nil
}

// Prune does nothing.
func (d *DemoEngine) Prune(context.Context, Repo) error {
	d.mu.Lock()
	d.count("prune")
	d.mu.Unlock()
	return nil
}

// Restore copies nothing; it only counts.
func (d *DemoEngine) Restore(context.Context, Repo, string, string, string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count("restore")
	return nil
}

// Files lists nothing.
func (d *DemoEngine) Files(context.Context, Repo, string) ([]FileNode, error) { return nil, nil }

// DemoSource names a service's data directory without looking at it: the demo's
// services have no data on this machine, and DemoEngine copies nothing.
type DemoSource struct{}

// Paths is /srv/hosting/<ref>.
func (DemoSource) Paths(_ context.Context, s Enrolled) ([]string, error) {
	return []string{"/srv/hosting/" + s.Ref}, nil
}

// RestoreTarget is "/", in place.
func (DemoSource) RestoreTarget(context.Context, Enrolled) (string, error) { return "/", nil }
