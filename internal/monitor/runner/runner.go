// Package runner is the probe role of a hostpact process (`hostpact serve --roles probe
// --location ams1`): it runs the checks of its probe location's components, each on
// its interval, and hands the results to the monitor in batches. The availability
// calculator needs results from several locations (cp.sla.availability.2; INTERPRETATION.md,
// "Measuring availability"), so every location runs its own instances; instances at one
// location share the components through leases, and one that dies is replaced when its
// leases end.
//
// One goroutine schedules: it holds the leased components in a heap ordered by when
// each is due next, each starting at a stable offset within its interval so that the
// checks spread over it instead of all firing at once. A bounded pool of workers runs
// the checks; a full pool holds the scheduler back rather than piling up goroutines,
// and the lag between when a check was due and when it started shows it (Stats).
package runner

import (
	"container/heap"
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
)

// Config is one probe instance. The defaults are operational settings, not terms: the
// intervals themselves come with the assignments.
type Config struct {
	// Location is the probe location's name (HOSTPACT_PROBE_LOCATION); Instance tells
	// the instances at one location apart (host and process id).
	Location, Instance string
	// Workers is how many checks run at once (default 256): most of a check's time is
	// waiting for the network, so far more than the cores.
	Workers int
	// LeaseFor is how long a lease lasts (default 2 minutes); it is renewed after a
	// third of it, so a renewal can fail twice before the components are lost.
	LeaseFor time.Duration
	// BatchEvery is how often results are written (default 2 seconds); a batch of
	// flushSize results is written at once.
	BatchEvery time.Duration
	// Max is the most components this instance holds (default 100,000).
	Max    int
	Logger *slog.Logger
}

const (
	flushSize = 1000
	// maxPending bounds the results kept while the store refuses them; beyond it the
	// oldest are dropped (and counted), so a long database outage cannot exhaust memory.
	maxPending = 200_000
)

// Runner runs one instance's checks.
type Runner struct {
	st  monitor.Store
	clk clock.Clock
	cfg Config
	log *slog.Logger

	// The scheduler's own state, touched only by the goroutine that calls tick.
	entries     map[int64]*entry
	queue       entryHeap
	leasedUntil time.Time
	nextLease   time.Time

	work     chan job
	inflight sync.WaitGroup
	workers  sync.WaitGroup
	flushNow chan struct{}

	bmu     sync.Mutex
	pending []monitor.Result

	held     atomic.Int64
	checks   atomic.Int64
	recorded atomic.Int64
	skipped  atomic.Int64
	dropped  atomic.Int64
	lag      lagHistogram
}

type entry struct {
	a   monitor.Assignment
	due time.Time
	idx int
	// running is set while a check of the entry runs: a slot that comes up meanwhile
	// is skipped, so a slow server never has two checks of one component open.
	running atomic.Bool
	// gone is set when the entry was replaced (new version) or its lease ended; a
	// result that comes in afterwards is dropped.
	gone atomic.Bool
}

type job struct {
	e   *entry
	due time.Time
}

// New builds a runner on st; Run starts it.
func New(st monitor.Store, clk clock.Clock, cfg Config) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = 256
	}
	if cfg.LeaseFor <= 0 {
		cfg.LeaseFor = 2 * time.Minute
	}
	if cfg.BatchEvery <= 0 {
		cfg.BatchEvery = 2 * time.Second
	}
	if cfg.Max <= 0 {
		cfg.Max = 100_000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{st: st, clk: clk, cfg: cfg, entries: map[int64]*entry{},
		log: cfg.Logger.With("location", cfg.Location, "instance", cfg.Instance), flushNow: make(chan struct{}, 1)}
}

// Run runs checks until ctx ends. Checks still running then are cancelled and their
// results dropped (a cancelled check says nothing about the server); results already
// in are written before Run returns. The leases are left to expire.
func (r *Runner) Run(ctx context.Context) error {
	if r.cfg.Location == "" || r.cfg.Instance == "" {
		return errors.New("runner: a probe needs a location and an instance name")
	}
	r.log.Info("probe running", "workers", r.cfg.Workers)
	r.start(ctx)
	flushDone := make(chan struct{})
	go func() {
		defer close(flushDone)
		r.flushLoop(ctx)
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
loop:
	for {
		next := r.tick(ctx)
		d := next.Sub(r.clk.Now())
		if d < 0 {
			d = 0
		}
		timer.Reset(d)
		select {
		case <-ctx.Done():
			break loop
		case <-timer.C:
		}
	}
	r.stop()
	<-flushDone
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.flush(fctx); err != nil {
		r.log.Warn("probe: results not written at shutdown", "err", err, "results", r.pendingLen())
	}
	r.log.Info("probe stopped")
	return nil
}

// start launches the workers.
func (r *Runner) start(ctx context.Context) {
	r.work = make(chan job)
	for range r.cfg.Workers {
		r.workers.Add(1)
		go func() {
			defer r.workers.Done()
			for j := range r.work {
				r.runJob(ctx, j)
			}
		}()
	}
}

// stop ends the workers after the checks they run.
func (r *Runner) stop() {
	close(r.work)
	r.workers.Wait()
}

// drain waits until every dispatched check has finished.
func (r *Runner) drain() { r.inflight.Wait() }

func (r *Runner) runJob(ctx context.Context, j job) {
	defer r.inflight.Done()
	r.lag.add(r.clk.Now().Sub(j.due))
	r.checks.Add(1)
	res := j.e.a.Check.Run(ctx)
	j.e.running.Store(false)
	if ctx.Err() != nil || j.e.gone.Load() {
		r.dropped.Add(1)
		return
	}
	out := monitor.Result{ComponentID: j.e.a.ComponentID, Location: r.cfg.Location, At: res.At, OK: res.Up, Latency: res.Latency}
	if res.Reason != nil {
		out.Reason = res.Reason.Key
	}
	r.bmu.Lock()
	r.pending = append(r.pending, out)
	full := len(r.pending) >= flushSize
	r.bmu.Unlock()
	if full {
		select {
		case r.flushNow <- struct{}{}:
		default:
		}
	}
}

// tick renews the lease when due, starts every check that is due, and returns when it
// wants to be called again.
func (r *Runner) tick(ctx context.Context) time.Time {
	now := r.clk.Now()
	if !now.Before(r.nextLease) {
		r.lease(ctx, now)
	}
	if !r.leasedUntil.IsZero() && !now.Before(r.leasedUntil) {
		// Renewals failed until the lease ran out: another instance may hold these
		// components now, and two instances must not report for one location.
		r.log.Warn("probe: lease expired without renewal; checks stopped until the store answers", "components", len(r.entries))
		r.replace(nil, now)
		r.leasedUntil = time.Time{}
	}
	for len(r.queue) > 0 && !r.queue[0].due.After(now) {
		e := r.queue[0]
		due := e.due
		iv := e.a.Interval
		e.due = due.Add(iv)
		if !e.due.After(now) {
			// Behind by more than an interval (a suspended machine, a full pool): the
			// missed slots are skipped, not run in a burst.
			missed := now.Sub(due) / iv
			r.skipped.Add(int64(missed))
			e.due = due.Add((missed + 1) * iv)
		}
		heap.Fix(&r.queue, 0)
		if !e.running.CompareAndSwap(false, true) {
			r.skipped.Add(1)
			continue
		}
		r.inflight.Add(1)
		select {
		case r.work <- job{e: e, due: due}:
		case <-ctx.Done():
			e.running.Store(false)
			r.inflight.Done()
			return now
		}
	}
	next := r.nextLease
	if len(r.queue) > 0 && r.queue[0].due.Before(next) {
		next = r.queue[0].due
	}
	return next
}

// lease renews and extends what this instance holds.
func (r *Runner) lease(ctx context.Context, now time.Time) {
	until := now.Add(r.cfg.LeaseFor)
	as, err := r.st.Lease(ctx, r.cfg.Location, r.cfg.Instance, r.cfg.Max, until)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("probe: lease failed", "err", err)
		}
		// Try again soon, well before what is held runs out.
		r.nextLease = now.Add(r.cfg.LeaseFor / 12)
		return
	}
	r.leasedUntil = until
	r.nextLease = now.Add(r.cfg.LeaseFor / 3)
	r.replace(as, now)
}

// replace makes the held entries as: new components start at their offset within
// their interval, a changed version is rescheduled with its new check, and what is no
// longer held stops.
func (r *Runner) replace(as []monitor.Assignment, now time.Time) {
	keep := make(map[int64]bool, len(as))
	for _, a := range as {
		if a.Interval <= 0 || a.Check == nil {
			r.log.Warn("probe: assignment without a check or interval skipped", "component", a.ComponentID)
			continue
		}
		keep[a.ComponentID] = true
		if e, ok := r.entries[a.ComponentID]; ok {
			if e.a.Version == a.Version && e.a.Interval == a.Interval {
				continue
			}
			r.remove(e)
		}
		e := &entry{a: a, due: now.Add(r.offset(a))}
		r.entries[a.ComponentID] = e
		heap.Push(&r.queue, e)
	}
	for id, e := range r.entries {
		if !keep[id] {
			r.remove(e)
		}
	}
	r.held.Store(int64(len(r.entries)))
}

func (r *Runner) remove(e *entry) {
	e.gone.Store(true)
	heap.Remove(&r.queue, e.idx)
	delete(r.entries, e.a.ComponentID)
}

// offset is where in its interval a component's checks fall: stable for a component
// and location (a renewal or restart does not move it), spread evenly over the
// interval across components, and different per location so that the locations do
// not all knock at the same moment.
func (r *Runner) offset(a monitor.Assignment) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(r.cfg.Location))
	_, _ = h.Write([]byte(strconv.FormatInt(a.ComponentID, 10)))
	return time.Duration(h.Sum64() % uint64(a.Interval))
}

func (r *Runner) flushLoop(ctx context.Context) {
	t := time.NewTicker(r.cfg.BatchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.flushNow:
		}
		if err := r.flush(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("probe: results not written; kept for the next batch", "err", err, "results", r.pendingLen())
		}
	}
}

// flush writes the pending results. On failure they are kept (Record ignores a result
// it stored already, so writing a batch twice is harmless).
func (r *Runner) flush(ctx context.Context) error {
	r.bmu.Lock()
	batch := r.pending
	r.pending = nil
	r.bmu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := r.st.Record(ctx, batch); err != nil {
		r.bmu.Lock()
		r.pending = append(batch, r.pending...)
		if over := len(r.pending) - maxPending; over > 0 {
			r.pending = append(r.pending[:0:0], r.pending[over:]...)
			r.dropped.Add(int64(over))
		}
		r.bmu.Unlock()
		return err
	}
	r.recorded.Add(int64(len(batch)))
	return nil
}

func (r *Runner) pendingLen() int {
	r.bmu.Lock()
	defer r.bmu.Unlock()
	return len(r.pending)
}

// Stats are what an instance has done so far.
type Stats struct {
	Held     int   // components held now
	Checks   int64 // checks started
	Recorded int64 // results written
	// Skipped counts slots not run: the previous check of the component still ran, or
	// the instance fell more than an interval behind.
	Skipped int64
	// Dropped counts results thrown away: cancelled or superseded checks, and the
	// oldest results while the store refused them for too long.
	Dropped int64
	// Lag is how late checks started after they were due.
	LagP50, LagP99, LagMax time.Duration
}

// Stats reports the counters.
func (r *Runner) Stats() Stats {
	return Stats{Held: int(r.held.Load()), Checks: r.checks.Load(), Recorded: r.recorded.Load(),
		Skipped: r.skipped.Load(), Dropped: r.dropped.Load(),
		LagP50: r.lag.quantile(0.50), LagP99: r.lag.quantile(0.99), LagMax: time.Duration(r.lag.max.Load())}
}

// entryHeap orders entries by when they are due.
type entryHeap []*entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h entryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *entryHeap) Push(x any) {
	e := x.(*entry)
	e.idx = len(*h)
	*h = append(*h, e)
}
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.idx = -1
	return e
}

// lagHistogram counts lags in millisecond buckets up to lagBuckets ms; longer ones go
// in the last bucket (and max says how long).
type lagHistogram struct {
	b   [lagBuckets]atomic.Int64
	max atomic.Int64
}

const lagBuckets = 10_000

func (h *lagHistogram) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	i := int(d / time.Millisecond)
	if i >= lagBuckets {
		i = lagBuckets - 1
	}
	h.b[i].Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// quantile returns the upper edge of the bucket holding quantile q.
func (h *lagHistogram) quantile(q float64) time.Duration {
	var total int64
	for i := range h.b {
		total += h.b[i].Load()
	}
	if total == 0 {
		return 0
	}
	want := int64(q*float64(total) + 0.5)
	if want < 1 {
		want = 1
	}
	var n int64
	for i := range h.b {
		n += h.b[i].Load()
		if n >= want {
			return time.Duration(i+1) * time.Millisecond
		}
	}
	return time.Duration(h.max.Load())
}
