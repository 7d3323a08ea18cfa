package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
)

var t0 = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeCheck answers at once with the clock's time; runs counts its runs, and block,
// when set, holds each run until it is closed.
type fakeCheck struct {
	clk   clock.Clock
	runs  *atomic.Int64
	up    bool
	block chan struct{}
}

func (fakeCheck) Kind() probe.Kind { return probe.KindTCP }
func (fakeCheck) Target() string   { return "127.0.0.1:1" }
func (c fakeCheck) Run(ctx context.Context) probe.Result {
	c.runs.Add(1)
	if c.block != nil {
		select {
		case <-c.block:
		case <-ctx.Done():
		}
	}
	r := probe.Result{Kind: probe.KindTCP, At: c.clk.Now(), Up: c.up}
	if !c.up {
		r.Reason = &probe.Reason{Key: "probe.connect.refused"}
	}
	return r
}

type kit struct {
	t    *testing.T
	clk  *clock.Fake
	st   *MemStore
	runs map[int64]*atomic.Int64
}

func newKit(t *testing.T) *kit {
	clk := clock.NewFake(t0)
	return &kit{t: t, clk: clk, st: NewMemStore(clk), runs: map[int64]*atomic.Int64{}}
}

func (k *kit) put(id, version int64, interval time.Duration, up bool) {
	if k.runs[id] == nil {
		k.runs[id] = &atomic.Int64{}
	}
	k.st.Put(monitor.Assignment{ComponentID: id, Version: version, Interval: interval,
		Check: fakeCheck{clk: k.clk, runs: k.runs[id], up: up}})
}

// runner starts a runner's workers on the kit; the test drives its scheduler with step.
func (k *kit) runner(instance string, max int) *Runner {
	r := New(k.st, k.clk, Config{Location: "ams1", Instance: instance, Workers: 8, LeaseFor: 90 * time.Second, Max: max})
	ctx, cancel := context.WithCancel(context.Background())
	r.start(ctx)
	k.t.Cleanup(func() {
		cancel()
		r.stop()
	})
	return r
}

// step runs r's scheduler at the fake clock's time and waits for the checks it started.
func step(r *Runner) {
	r.tick(context.Background())
	r.drain()
}

// advance moves the clock in steps of d up to total, stepping every runner each time.
func (k *kit) advance(total, d time.Duration, rs ...*Runner) {
	for end := k.clk.Now().Add(total); k.clk.Now().Before(end); {
		k.clk.Advance(d)
		for _, r := range rs {
			step(r)
		}
	}
}

// TestSpreadOverInterval: every component runs once per interval, their checks spread
// over it rather than all at once, and results reach the store in batches with the
// location.
func TestSpreadOverInterval(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	const n = 120
	for id := int64(1); id <= n; id++ {
		k.put(id, 1, time.Minute, id%2 == 0)
	}
	r := k.runner("a", 0)
	step(r)
	perSecond := map[int64]int{}
	before := int64(0)
	for s := 1; s <= 60; s++ {
		k.clk.Advance(time.Second)
		step(r)
		now := r.Stats().Checks
		perSecond[int64(s)] = int(now - before)
		before = now
	}
	if got := r.Stats().Checks; got != n {
		t.Fatalf("%d checks in the first interval, want %d", got, n)
	}
	for s, c := range perSecond {
		if c > 10 {
			t.Errorf("%d checks at second %d: not spread", c, s)
		}
	}
	k.advance(time.Minute, time.Second, r)
	for id, c := range k.runs {
		if c.Load() != 2 {
			t.Errorf("component %d ran %d times in two intervals", id, c.Load())
		}
	}
	if err := r.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := k.st.Results()
	if len(res) != 2*n {
		t.Fatalf("%d results stored, want %d", len(res), 2*n)
	}
	for _, x := range res {
		if x.Location != "ams1" || x.OK != (x.ComponentID%2 == 0) || (!x.OK && x.Reason != "probe.connect.refused") || x.At.Before(t0) {
			t.Fatalf("result %+v", x)
		}
	}
	if s := r.Stats(); s.Recorded != 2*n || s.Skipped != 0 || s.Held != n || s.LagMax > time.Second {
		t.Errorf("stats %+v", s)
	}
}

// TestVersionChangeAndRemoval: a changed check replaces the old one at the next lease
// renewal; a disabled component stops.
func TestVersionChangeAndRemoval(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.put(1, 1, 10*time.Second, true)
	k.put(2, 1, 10*time.Second, true)
	r := k.runner("a", 0)
	step(r)
	k.advance(20*time.Second, time.Second, r)
	old1 := k.runs[1]
	k.runs[1] = nil
	k.put(1, 2, 10*time.Second, false) // the check now fails: a new version
	k.st.Remove(2)
	k.advance(30*time.Second, time.Second, r) // past the renewal at LeaseFor/3
	oldRuns, newRuns, removed := old1.Load(), k.runs[1].Load(), k.runs[2].Load()
	k.advance(60*time.Second, time.Second, r)
	if old1.Load() != oldRuns || k.runs[2].Load() != removed {
		t.Errorf("old version or removed component still runs: %d→%d, %d→%d", oldRuns, old1.Load(), removed, k.runs[2].Load())
	}
	if k.runs[1].Load() < newRuns+5 {
		t.Errorf("new version ran %d times in a minute", k.runs[1].Load()-newRuns)
	}
	if r.Stats().Held != 1 {
		t.Errorf("held %d", r.Stats().Held)
	}
}

// TestInstancesShareAndTakeOver: two instances at one location split the components
// without overlap; when one dies, the other takes its components once its leases end,
// and no check is lost for longer than the lease.
func TestInstancesShareAndTakeOver(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	for id := int64(1); id <= 30; id++ {
		k.put(id, 1, 10*time.Second, true)
	}
	a, b := k.runner("a", 20), k.runner("b", 100)
	step(a)
	step(b)
	if a.Stats().Held != 20 || b.Stats().Held != 10 {
		t.Fatalf("held %d and %d", a.Stats().Held, b.Stats().Held)
	}
	k.advance(time.Minute, time.Second, a, b)
	for id := int64(1); id <= 30; id++ {
		if c := k.runs[id].Load(); c != 6 {
			t.Errorf("component %d ran %d times in a minute by two instances", id, c)
		}
	}
	// a dies: b takes over after a's leases (90 s) end.
	k.advance(100*time.Second, time.Second, b)
	if b.Stats().Held != 30 {
		t.Fatalf("b holds %d after a died", b.Stats().Held)
	}
	if inst, _ := k.st.Holder(1, "ams1"); inst != "b" {
		t.Errorf("component 1 held by %q", inst)
	}
}

// TestRestartKeepsItsComponents: an instance killed half-way and started again under
// the same name renews its own leases at once instead of waiting for them to expire,
// and the results of the killed run that were written are not written again.
func TestRestartKeepsItsComponents(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	for id := int64(1); id <= 5; id++ {
		k.put(id, 1, 10*time.Second, true)
	}
	first := k.runner("a", 0)
	step(first)
	k.advance(20*time.Second, time.Second, first)
	if err := first.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	stored := k.st.Count()
	// A batch delivered twice (the process died after Record, before it knew) is
	// stored once.
	if err := k.st.Record(context.Background(), k.st.Results()); err != nil || k.st.Count() != stored {
		t.Fatalf("redelivered batch: %v, %d → %d", err, stored, k.st.Count())
	}
	second := k.runner("a", 0)
	step(second)
	if second.Stats().Held != 5 {
		t.Fatalf("restarted instance holds %d", second.Stats().Held)
	}
}

// TestLeaseLostStopsChecks: while the store refuses renewals the instance keeps
// checking until its lease ends, then stops (another instance may hold them), and
// resumes when the store answers again.
func TestLeaseLostStopsChecks(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.put(1, 1, 10*time.Second, true)
	r := k.runner("a", 0)
	step(r)
	k.st.FailLease(errors.New("database down"))
	k.advance(80*time.Second, time.Second, r) // the lease (90 s) still holds
	if r.Stats().Held != 1 {
		t.Fatal("stopped before the lease ended")
	}
	k.advance(11*time.Second, time.Second, r)
	if r.Stats().Held != 0 {
		t.Fatal("still checking after the lease ended")
	}
	n := k.runs[1].Load()
	k.advance(30*time.Second, time.Second, r)
	if k.runs[1].Load() != n {
		t.Error("checks ran without a lease")
	}
	k.st.FailLease(nil)
	k.advance(30*time.Second, time.Second, r)
	if r.Stats().Held != 1 || k.runs[1].Load() == n {
		t.Error("did not resume")
	}
}

// TestRecordFailureKeepsResults: results the store refuses are written with the next
// batch, once.
func TestRecordFailureKeepsResults(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.put(1, 1, 10*time.Second, true)
	r := k.runner("a", 0)
	step(r)
	k.advance(30*time.Second, time.Second, r)
	k.st.FailRecord(errors.New("database down"))
	if err := r.flush(context.Background()); err == nil {
		t.Fatal("flush succeeded against a failing store")
	}
	k.advance(30*time.Second, time.Second, r)
	k.st.FailRecord(nil)
	if err := r.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := k.st.Count(), int(k.runs[1].Load()); got != want || got < 5 {
		t.Errorf("stored %d results of %d checks", got, want)
	}
}

// TestSlowCheckIsNotDoubled: a check still running when its next slot comes is not
// started twice; the slot is counted as skipped.
func TestSlowCheckIsNotDoubled(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	block := make(chan struct{})
	runs := &atomic.Int64{}
	k.st.Put(monitor.Assignment{ComponentID: 1, Version: 1, Interval: 10 * time.Second,
		Check: fakeCheck{clk: k.clk, runs: runs, up: true, block: block}})
	r := k.runner("a", 0)
	for range 40 { // 40 s: four slots, the first check hangs through all of them
		k.clk.Advance(time.Second)
		r.tick(context.Background())
	}
	// The worker picks the first check up asynchronously, so runs is counted only
	// once every dispatched job has finished: a doubled check would make it 2.
	skipped := r.Stats().Skipped
	close(block)
	r.drain()
	if runs.Load() != 1 || skipped < 3 {
		t.Errorf("%d runs, %d skipped", runs.Load(), skipped)
	}
}

// TestRunReal runs real HTTP checks against a loopback server on the real clock until
// cancelled: results arrive through the batches, Run returns nil, and a check cut off
// by the shutdown is not reported as down.
func TestRunReal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	st := NewMemStore(clock.Real{})
	for id := int64(1); id <= 20; id++ {
		c, err := probe.Spec{Kind: probe.KindHTTP, URL: srv.URL + "/"}.Build(clock.Real{})
		if err != nil {
			t.Fatal(err)
		}
		st.Put(monitor.Assignment{ComponentID: id, Version: 1, Interval: 100 * time.Millisecond, Check: c})
	}
	r := New(st, clock.Real{}, Config{Location: "ams1", Instance: "t", Workers: 4, BatchEvery: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		runErr = r.Run(ctx)
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := st.WaitFor(wctx, 60); err != nil {
		t.Fatalf("results: %d: %v", st.Count(), err)
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatal(runErr)
	}
	for _, x := range st.Results() {
		if !x.OK || x.Latency <= 0 {
			t.Fatalf("result %+v", x)
		}
	}
	if s := r.Stats(); s.Recorded != int64(st.Count()) {
		t.Errorf("stats %+v, stored %d", s, st.Count())
	}
}

func TestRunNeedsLocation(t *testing.T) {
	t.Parallel()
	if err := New(NewMemStore(clock.Real{}), clock.Real{}, Config{}).Run(context.Background()); err == nil {
		t.Fatal("ran without a location")
	}
}
