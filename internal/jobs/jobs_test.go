package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 1, 1, 30, 0, 0, time.UTC)

// newRunner returns a runner whose heartbeat ticks only when the test sends on the
// returned channel.
func newRunner(t *testing.T, db *store.DB, clk clock.Clock, id string) (*jobs.Runner, chan<- time.Time) {
	t.Helper()
	r := jobs.New(db, clk, slog.New(slog.NewTextHandler(t.Output(), nil)), id)
	ticks := make(chan time.Time)
	jobs.SetTicker(r, func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} })
	return r, ticks
}

// twoInstances calls fn per engine with two handles on one fresh database, as two
// hostpact instances would have.
func twoInstances(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			url := storetest.URL(t, d)
			open := func() *store.DB {
				db, err := store.Open(context.Background(), url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if err := db.Migrate(context.Background(), jobs.Schema); err != nil {
					t.Fatal(err)
				}
				return db
			}
			fn(t, open(), open())
		})
	}
}

func status(t *testing.T, db *store.DB, name string) jobs.Status {
	t.Helper()
	all, err := jobs.Statuses(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for job %q in %+v", name, all)
	return jobs.Status{}
}

func runDue(t *testing.T, r *jobs.Runner) []string {
	t.Helper()
	ran, err := r.RunDue(context.Background())
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	return ran
}

func TestRunDueRunsADailyJobOncePerSimulatedDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := clock.NewFake(t0)
		r, _ := newRunner(t, db, clk, "sim")
		var daily []time.Time
		frequent := 0
		r.Register(jobs.Job{Name: "billing.run", Every: 24 * time.Hour, Run: func(_ context.Context, now time.Time) error {
			daily = append(daily, now)
			return nil
		}})
		r.Register(jobs.Job{Name: "mail.send", Every: 10 * time.Second, Run: func(context.Context, time.Time) error {
			frequent++
			return nil
		}})
		const days = 10
		for range days * 24 {
			runDue(t, r)
			clk.Advance(time.Hour)
		}
		if len(daily) != days {
			t.Fatalf("daily job ran %d times in %d simulated days, want %d", len(daily), days, days)
		}
		for i, at := range daily {
			if want := t0.Add(time.Duration(i) * 24 * time.Hour); !at.Equal(want) {
				t.Errorf("run %d got now=%v, want %v", i, at, want)
			}
		}
		// A job that missed many periods runs once when the clock jumps, not once per
		// missed period: there is no backlog to replay.
		if frequent != days*24 {
			t.Errorf("10-second job ran %d times in %d hourly steps, want %d", frequent, days*24, days*24)
		}
	}, jobs.Schema)
}

func TestNextRunAdvancesByEveryFromTheClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := clock.NewFake(t0)
		r, _ := newRunner(t, db, clk, "i1")
		const every = 15 * time.Minute
		r.Register(jobs.Job{Name: "renewals", Every: every, Run: func(context.Context, time.Time) error { return nil }})

		if ran := runDue(t, r); len(ran) != 1 {
			t.Fatalf("a new job is due at once; ran %v", ran)
		}
		s := status(t, db, "renewals")
		if !s.NextRunAt.Equal(t0.Add(every)) || s.LockedBy != "" || s.LockedUntil != nil ||
			s.LastStartedAt == nil || !s.LastStartedAt.Equal(t0) || s.LastFinishedAt == nil || s.LastError != "" {
			t.Fatalf("after first run: %+v", s)
		}
		clk.Advance(every - time.Microsecond)
		if ran := runDue(t, r); len(ran) != 0 {
			t.Fatalf("ran %v before next_run_at", ran)
		}
		clk.Advance(time.Microsecond)
		if ran := runDue(t, r); len(ran) != 1 {
			t.Fatalf("not run at next_run_at")
		}
		// Late by 20 minutes: the next run counts from when this one started.
		late := t0.Add(2*every + 20*time.Minute)
		clk.Set(late)
		if ran := runDue(t, r); len(ran) != 1 {
			t.Fatalf("not run when late")
		}
		if s := status(t, db, "renewals"); !s.NextRunAt.Equal(late.Add(every)) {
			t.Fatalf("next_run_at = %v, want %v", s.NextRunAt, late.Add(every))
		}
	}, jobs.Schema)
}

func TestJobErrorsAndPanicsAreRecordedAndLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := clock.NewFake(t0)
		var logs bytes.Buffer
		r := jobs.New(db, clk, slog.New(slog.NewTextHandler(&logs, nil)), "i1")
		okRan := false
		r.Register(jobs.Job{Name: "fails", Every: time.Hour, Run: func(context.Context, time.Time) error {
			return errors.New("bank file missing")
		}})
		r.Register(jobs.Job{Name: "panics", Every: time.Hour, Run: func(context.Context, time.Time) error {
			panic("invoice 17 has no lines")
		}})
		r.Register(jobs.Job{Name: "ok", Every: time.Hour, Run: func(context.Context, time.Time) error {
			okRan = true
			return nil
		}})
		ran, err := r.RunDue(context.Background())
		if strings.Join(ran, ",") != "fails,panics,ok" || !okRan {
			t.Fatalf("ran %v (ok ran: %v), want all three", ran, okRan)
		}
		if err == nil || !strings.Contains(err.Error(), "fails: bank file missing") || !strings.Contains(err.Error(), "panics: panic: invoice 17 has no lines") {
			t.Fatalf("RunDue error = %v", err)
		}
		for name, want := range map[string]string{"fails": "bank file missing", "panics": "panic: invoice 17 has no lines", "ok": ""} {
			s := status(t, db, name)
			if s.LastError != want || s.LockedBy != "" || !s.NextRunAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("%s: %+v, want last_error %q, released, next in an hour", name, s, want)
			}
		}
		for _, want := range []string{`msg="job failed" component=jobs instance=i1 job=fails err="bank file missing"`, `msg="job panicked"`, "stack="} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
		}
		// A failed job is not retried before its next period.
		if ran := runDue(t, r); len(ran) != 0 {
			t.Fatalf("ran %v again at once", ran)
		}
	}, jobs.Schema)
}

// gate blocks a job run until the test releases it.
type gate struct {
	entered chan struct{}
	release chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}), release: make(chan struct{})} }

func TestTwoRunnersNeverRunTheSameJobConcurrently(t *testing.T) {
	twoInstances(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		a, _ := newRunner(t, dbA, clk, "a")
		b, _ := newRunner(t, dbB, clk, "b")
		var active, runs atomic.Int32
		var blocking atomic.Pointer[gate]
		const every = time.Minute
		run := func(context.Context, time.Time) error {
			if n := active.Add(1); n > 1 {
				t.Errorf("%d concurrent runs of one job", n)
			}
			defer active.Add(-1)
			runs.Add(1)
			if g := blocking.Load(); g != nil {
				close(g.entered)
				<-g.release
			}
			return nil
		}
		a.Register(jobs.Job{Name: "dunning", Every: every, Run: run})
		b.Register(jobs.Job{Name: "dunning", Every: every, Run: run})

		// While a holds the job, b finds it taken — also once it is overdue.
		g := newGate()
		blocking.Store(g)
		done := make(chan []string)
		go func() {
			ran, err := a.RunDue(ctx)
			if err != nil {
				t.Error(err)
			}
			done <- ran
		}()
		<-g.entered
		if ran := runDue(t, b); len(ran) != 0 {
			t.Fatalf("b ran %v while a held the lease", ran)
		}
		clk.Advance(jobs.DefaultLease - time.Second)
		if ran := runDue(t, b); len(ran) != 0 {
			t.Fatalf("b ran %v while a's lease was still valid", ran)
		}
		close(g.release)
		if ran := <-done; len(ran) != 1 {
			t.Fatalf("a ran %v", ran)
		}
		blocking.Store(nil)

		// Both race for the job every period; exactly one of them runs it.
		const rounds = 25
		for i := range rounds {
			clk.Advance(every)
			start := make(chan struct{})
			results := make(chan int, 2)
			for _, r := range []*jobs.Runner{a, b} {
				go func() {
					<-start
					ran, err := r.RunDue(ctx)
					if err != nil {
						t.Error(err)
					}
					results <- len(ran)
				}()
			}
			close(start)
			if n := <-results + <-results; n != 1 {
				t.Fatalf("round %d: the job ran %d times, want once", i, n)
			}
		}
		if got := runs.Load(); got != rounds+1 {
			t.Fatalf("runs = %d, want %d", got, rounds+1)
		}
	})
}

func TestAnExpiredLeaseIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		// An instance that died at t0 while running the job left its lease behind.
		if _, err := db.ExecContext(ctx, `INSERT INTO job_leases (name, locked_by, locked_until, last_started_at, next_run_at)
			VALUES ($1, $2, $3, $4, $4)`, "usage.import", "dead-instance", t0.Add(jobs.DefaultLease), t0); err != nil {
			t.Fatal(err)
		}
		r, _ := newRunner(t, db, clk, "survivor")
		runs := 0
		r.Register(jobs.Job{Name: "usage.import", Every: time.Hour, Run: func(context.Context, time.Time) error { runs++; return nil }})
		clk.Advance(jobs.DefaultLease - time.Microsecond)
		if ran := runDue(t, r); len(ran) != 0 {
			t.Fatalf("ran %v while the dead instance's lease was valid", ran)
		}
		clk.Advance(time.Microsecond)
		if ran := runDue(t, r); len(ran) != 0 {
			t.Fatalf("ran %v at the lease's last instant", ran)
		}
		clk.Advance(time.Microsecond)
		if ran := runDue(t, r); len(ran) != 1 || runs != 1 {
			t.Fatalf("expired lease not taken over: ran %v", ran)
		}
		if s := status(t, db, "usage.import"); s.LockedBy != "" || s.LastFinishedAt == nil {
			t.Fatalf("after takeover: %+v", s)
		}
	}, jobs.Schema)
}

func TestAPausedInstanceLosesItsJobAndCannotOverwriteTheNewHolder(t *testing.T) {
	twoInstances(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		a, ticksA := newRunner(t, dbA, clk, "a")
		b, _ := newRunner(t, dbB, clk, "b")
		const every = 30 * time.Minute
		g := newGate()
		a.Register(jobs.Job{Name: "sla.freeze", Every: every, Run: func(ctx context.Context, _ time.Time) error {
			close(g.entered)
			<-ctx.Done()
			return ctx.Err()
		}})
		bRuns := 0
		b.Register(jobs.Job{Name: "sla.freeze", Every: every, Run: func(context.Context, time.Time) error { bRuns++; return nil }})

		type result struct {
			ran []string
			err error
		}
		done := make(chan result)
		go func() {
			ran, err := a.RunDue(ctx)
			done <- result{ran, err}
		}()
		<-g.entered
		// a hangs past its lease without a heartbeat; b takes over.
		takeover := t0.Add(jobs.DefaultLease + time.Second)
		clk.Set(takeover)
		if ran := runDue(t, b); len(ran) != 1 || bRuns != 1 {
			t.Fatalf("b did not take over the expired lease: ran %v", ran)
		}
		// a's next heartbeat finds the lease gone and cancels its run.
		ticksA <- clk.Now()
		res := <-done
		if len(res.ran) != 1 || res.err == nil || !strings.Contains(res.err.Error(), "lease lost") {
			t.Fatalf("a: ran %v err %v, want its run cancelled with lease lost", res.ran, res.err)
		}
		s := status(t, dbA, "sla.freeze")
		if s.LastError != "" || !s.LastStartedAt.Equal(takeover) || !s.NextRunAt.Equal(takeover.Add(every)) || s.LockedBy != "" {
			t.Fatalf("a's late bookkeeping overwrote b's: %+v", s)
		}
	})
}

func TestHeartbeatKeepsTheLeaseOfALongJob(t *testing.T) {
	twoInstances(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		a, ticksA := newRunner(t, dbA, clk, "a")
		b, _ := newRunner(t, dbB, clk, "b")
		g := newGate()
		a.Register(jobs.Job{Name: "billing.run", Every: 24 * time.Hour, Run: func(context.Context, time.Time) error {
			close(g.entered)
			<-g.release
			return nil
		}})
		b.Register(jobs.Job{Name: "billing.run", Every: 24 * time.Hour, Run: func(context.Context, time.Time) error {
			t.Error("b ran the job a was running")
			return nil
		}})
		done := make(chan error)
		go func() {
			_, err := a.RunDue(ctx)
			done <- err
		}()
		<-g.entered
		renewedAt := t0.Add(jobs.DefaultLease - 10*time.Second)
		clk.Set(renewedAt)
		// The second send returns only once the heartbeat has handled the first.
		ticksA <- clk.Now()
		ticksA <- clk.Now()
		s := status(t, dbB, "billing.run")
		if s.LockedUntil == nil || s.LockedUntil.Before(renewedAt.Add(jobs.DefaultLease)) || s.LockedBy != "a" {
			t.Fatalf("lease not renewed: %+v", s)
		}
		clk.Set(t0.Add(jobs.DefaultLease + 10*time.Second))
		if ran := runDue(t, b); len(ran) != 0 {
			t.Fatalf("b ran %v although a renewed its lease", ran)
		}
		close(g.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if s := status(t, dbB, "billing.run"); s.LockedBy != "" || s.LastError != "" {
			t.Fatalf("after finishing: %+v", s)
		}
	})
}

func TestRunFinishesTheRunningJobOnShutdown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := clock.NewFake(t0)
		r, _ := newRunner(t, db, clk, "i1")
		g := newGate()
		var jobCtxErr error
		r.Register(jobs.Job{Name: "renewals", Every: time.Hour, Run: func(ctx context.Context, now time.Time) error {
			close(g.entered)
			<-g.release
			jobCtxErr = ctx.Err()
			return nil
		}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		<-g.entered
		cancel()
		select {
		case err := <-done:
			t.Fatalf("Run returned (%v) before the running job finished", err)
		default:
		}
		close(g.release)
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		if jobCtxErr != nil {
			t.Fatalf("the running job's context was cancelled on shutdown: %v", jobCtxErr)
		}
		s := status(t, db, "renewals")
		if s.LockedBy != "" || s.LockedUntil != nil || s.LastFinishedAt == nil || !s.NextRunAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("lease not released on shutdown: %+v", s)
		}
	}, jobs.Schema)
}

func TestRunRunsJobsSideBySide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := clock.NewFake(t0)
		r, _ := newRunner(t, db, clk, "i1")
		long := newGate()
		var short sync.WaitGroup
		short.Add(1)
		r.Register(jobs.Job{Name: "billing.run", Every: time.Hour, Run: func(context.Context, time.Time) error {
			close(long.entered)
			<-long.release
			return nil
		}})
		r.Register(jobs.Job{Name: "mail.send", Every: time.Hour, Run: func(context.Context, time.Time) error {
			short.Done()
			return nil
		}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		<-long.entered
		short.Wait() // would hang if mail.send waited for billing.run
		close(long.release)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}, jobs.Schema)
}

func TestRegisterRejectsMistakes(t *testing.T) {
	r := jobs.New(nil, clock.NewFake(t0), nil, "i1")
	ok := func(context.Context, time.Time) error { return nil }
	r.Register(jobs.Job{Name: "a", Every: time.Minute, Run: ok})
	for name, j := range map[string]jobs.Job{
		"duplicate": {Name: "a", Every: time.Minute, Run: ok},
		"no name":   {Every: time.Minute, Run: ok},
		"no every":  {Name: "b", Run: ok},
		"no run":    {Name: "c", Every: time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			r.Register(j)
		})
	}
	if err := jobs.New(nil, clock.NewFake(t0), nil, "i2").Run(context.Background()); err == nil {
		t.Fatal("Run without jobs: no error")
	}
}
