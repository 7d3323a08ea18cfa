package runner

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
)

// MemStore is a monitor.Store in memory with the database's lease and idempotency
// rules: the runner's tests and `hostpact bench probes` run the real runner on it. It
// is not meant for a real probe location (results are lost with the process).
type MemStore struct {
	clk clock.Clock

	mu        sync.Mutex
	comps     map[int64]monitor.Assignment
	leases    map[leaseKey]memLease
	alive     map[string]time.Time
	results   []monitor.Result
	seen      map[resultKey]bool
	leaseErr  error
	recordErr error
	changed   chan struct{} // closed and replaced on every Record that stores something
	// Discard keeps only the count of results, for long benchmarks.
	discard bool
	count   int
	failed  int
}

type leaseKey struct {
	component int64
	location  string
}

type memLease struct {
	instance string
	until    time.Time
}

type resultKey struct {
	component int64
	location  string
	at        time.Time
}

// NewMemStore returns an empty store on clk (which decides when a lease has expired).
func NewMemStore(clk clock.Clock) *MemStore {
	return &MemStore{clk: clk, comps: map[int64]monitor.Assignment{}, leases: map[leaseKey]memLease{},
		alive: map[string]time.Time{}, seen: map[resultKey]bool{}, changed: make(chan struct{})}
}

// Discard makes the store count results without keeping them.
func (m *MemStore) Discard() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.discard = true
}

// Put adds an enabled component, or replaces it (give a new Version when its check
// changes).
func (m *MemStore) Put(a monitor.Assignment) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.comps[a.ComponentID] = a
}

// Remove disables a component: no instance gets it any more.
func (m *MemStore) Remove(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.comps, id)
}

// FailLease makes Lease fail with err until called with nil; FailRecord likewise.
func (m *MemStore) FailLease(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.leaseErr = err
}

// FailRecord makes Record fail with err until called with nil.
func (m *MemStore) FailRecord(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recordErr = err
}

// Lease implements monitor.Store.
func (m *MemStore) Lease(_ context.Context, location, instance string, max int, until time.Time) ([]monitor.Assignment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leaseErr != nil {
		return nil, m.leaseErr
	}
	now := m.clk.Now()
	m.alive[location] = now
	ids := make([]int64, 0, len(m.comps))
	for id := range m.comps {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []monitor.Assignment
	for _, id := range ids {
		k := leaseKey{id, location}
		if l, ok := m.leases[k]; ok && l.instance == instance {
			m.leases[k] = memLease{instance, until}
			out = append(out, m.comps[id])
		}
	}
	for _, id := range ids {
		if len(out) >= max {
			break
		}
		k := leaseKey{id, location}
		if l, ok := m.leases[k]; ok && (l.instance == instance || l.until.After(now)) {
			continue
		}
		m.leases[k] = memLease{instance, until}
		out = append(out, m.comps[id])
	}
	return out, nil
}

// Record implements monitor.Store.
func (m *MemStore) Record(_ context.Context, results []monitor.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recordErr != nil {
		return m.recordErr
	}
	stored := false
	for _, r := range results {
		if m.discard {
			m.count++
			if !r.OK {
				m.failed++
			}
			stored = true
			continue
		}
		k := resultKey{r.ComponentID, r.Location, r.At}
		if m.seen[k] {
			continue
		}
		m.seen[k] = true
		m.results = append(m.results, r)
		m.count++
		if !r.OK {
			m.failed++
		}
		stored = true
	}
	if stored {
		close(m.changed)
		m.changed = make(chan struct{})
	}
	return nil
}

// Results returns the stored results in the order they came.
func (m *MemStore) Results() []monitor.Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.results)
}

// Count is how many results were stored.
func (m *MemStore) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.count
}

// Failed is how many of the stored results were down.
func (m *MemStore) Failed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failed
}

// Holder says which instance holds a component at a location, and until when.
func (m *MemStore) Holder(component int64, location string) (string, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.leases[leaseKey{component, location}]
	return l.instance, l.until
}

// WaitFor waits until at least n results are stored or ctx ends.
func (m *MemStore) WaitFor(ctx context.Context, n int) error {
	for {
		m.mu.Lock()
		c, ch := m.count, m.changed
		m.mu.Unlock()
		if c >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
