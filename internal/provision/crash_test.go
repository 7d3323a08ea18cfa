package provision

import (
	"errors"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

var errCrash = errors.New("crash")

// TestRunCrashAndRestart kills provision.run at each named point of a step (after the
// claim, after the driver call, before the commit, after it) and runs it again once
// the lease passed: every account is created exactly once, each step is done once,
// and the service ends in the state the step reached.
func TestRunCrashAndRestart(t *testing.T) {
	points := []string{"claimed", "after-driver", "before-commit", "committed"}
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 100)
		acme := e.org("Acme BV")
		for _, point := range points {
			sub := e.order(acme, "webhosting", "start")
			ref := Ref(sub.ID)
			reached := false
			e.svc.failpoint = func(p string) error {
				if p == point && !reached {
					reached = true
					return errCrash
				}
				return nil
			}
			if err := e.svc.Run(e.ctx, e.clk.Now()); !errors.Is(err, errCrash) {
				t.Fatalf("%s: run returned %v", point, err)
			}
			e.svc.failpoint = nil
			if !reached {
				t.Fatalf("failpoint %s never reached", point)
			}
			// The lease of the killed run passes; the next run takes over.
			e.clk.Advance(e.svc.set.Lease + time.Second)
			e.run()
			e.run()
			v := e.of(sub)
			if v.State != StateActive || e.kit.Creates(ref) != 1 {
				t.Fatalf("%s: state %s, %d accounts created", point, v.State, e.kit.Creates(ref))
			}
			if n := e.count("provision_tasks", "service_id = $1 AND op = 'create' AND status = 'done'", v.ID); n != 1 {
				t.Fatalf("%s: %d create tasks done", point, n)
			}
			if e.mon.count(sub.ID, 9) == 0 {
				t.Fatalf("%s: not placed on the monitor server", point)
			}

			// The same for a suspension: one step, suspended once on the server.
			before := e.kit.Calls("suspend")
			if err := e.svc.SuspendByStaff(e.ctx, support, v.ID, "crash test"); err != nil {
				t.Fatal(err)
			}
			reached = false
			e.svc.failpoint = func(p string) error {
				if p == point && !reached {
					reached = true
					return errCrash
				}
				return nil
			}
			if err := e.svc.Run(e.ctx, e.clk.Now()); !errors.Is(err, errCrash) {
				t.Fatalf("%s (suspend): run returned %v", point, err)
			}
			e.svc.failpoint = nil
			e.clk.Advance(e.svc.set.Lease + time.Second)
			e.run()
			acc, _ := e.kit.Get(sv.Endpoint, ref)
			if v = e.of(sub); v.State != StateSuspended || !acc.Suspended || acc.Reason != driver.SuspendStaff {
				t.Fatalf("%s (suspend): %+v on the server %+v", point, v, acc)
			}
			if n := e.count("provision_tasks", "service_id = $1 AND op = 'suspend' AND status = 'done'", v.ID); n != 1 {
				t.Fatalf("%s (suspend): %d suspend tasks done", point, n)
			}
			// A call repeated after a crash between the call and the commit is the
			// only repetition there may be, and the driver is idempotent for it.
			if calls := e.kit.Calls("suspend") - before; calls > 2 {
				t.Fatalf("%s (suspend): %d calls", point, calls)
			}
		}
	})
}

// TestRunWhileAnotherHoldsTheLease: a run that died after its claim leaves the task
// running under its lease; no other run takes it before the lease ends, and the run
// after it finishes the task without a second account.
func TestRunWhileAnotherHoldsTheLease(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.svc.failpoint = func(p string) error {
			if p == "claimed" {
				return errCrash
			}
			return nil
		}
		if err := e.svc.Run(e.ctx, e.clk.Now()); !errors.Is(err, errCrash) {
			t.Fatal(err)
		}
		e.svc.failpoint = nil
		// Within the lease another run leaves the task alone.
		e.run()
		if e.kit.Calls("create") != 0 {
			t.Fatal("a task under another run's lease was taken")
		}
		if v := e.of(sub); v.State != StateProvisioning || v.Task.Status != TaskRunning {
			t.Fatalf("while leased: %+v", v)
		}
		e.clk.Advance(e.svc.set.Lease)
		e.run()
		if v := e.of(sub); v.State != StateActive || e.kit.Creates(Ref(sub.ID)) != 1 {
			t.Fatalf("after the lease: %+v", v)
		}
	})
}
