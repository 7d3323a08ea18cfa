package domains

import (
	"fmt"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// domains.run killed after the registry call and before its record: the next run,
// once the lease passed, finishes the step with the registry changed once.
func TestDomainRunCrashAfterCall(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org("Crash BV")
		sub := e.mustOrder(cust, "crash.nl")
		e.svc.failpoint = func(p string) error {
			if p == "after-call" {
				return errCrash
			}
			return nil
		}
		if err := e.svc.Run(e.ctx, e.clk.Now()); err == nil {
			t.Fatal("the crash did not stop the run")
		}
		e.svc.failpoint = nil
		if d := e.domainOf(sub); d.State != StatePending {
			t.Fatalf("recorded despite the crash: %s", d.State)
		}
		e.run() // within the lease: nothing
		if e.count("domain_operations", "state = 'running'") != 1 {
			t.Fatal("the claimed step was taken over within its lease")
		}
		e.clk.Advance(2 * time.Minute)
		e.run()
		if d := e.domainOf(sub); d.State != StateActive {
			t.Fatalf("after the rerun: %s %s", d.State, d.Problem)
		}
		if n := e.reg.Count("domain:create"); n != 1 {
			t.Errorf("the registry created the domain %d times", n)
		}
		if n := e.reg.Count("contact:create"); n != 1 {
			t.Errorf("the registry created %d contacts", n)
		}
		if e.count("mail_outbox", "subject LIKE $1", "%crash.nl is registered%") != 1 {
			t.Error("confirmation not sent exactly once")
		}
	})
}

// A registry that cannot be reached puts the step back with a growing wait, and the
// step runs once it is reachable again.
func TestDomainRunBacksOffWhileRegistryDown(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org("Down BV")
		sub := e.mustOrder(cust, "down.nl")
		e.reg.Down = true
		_ = e.svc.Run(e.ctx, e.clk.Now())
		var nb1 time.Time
		if err := e.db.QueryRowContext(e.ctx, `SELECT not_before FROM domain_operations`).Scan(&nb1); err != nil {
			t.Fatal(err)
		}
		e.clk.Set(nb1)
		_ = e.svc.Run(e.ctx, e.clk.Now())
		var nb2 time.Time
		var attempts int
		if err := e.db.QueryRowContext(e.ctx, `SELECT not_before, attempts FROM domain_operations`).Scan(&nb2, &attempts); err != nil {
			t.Fatal(err)
		}
		if attempts != 2 || nb2.Sub(nb1) <= nb1.Sub(t0) {
			t.Fatalf("no growing back-off: %s then %s after %d attempts", nb1.Sub(t0), nb2.Sub(nb1), attempts)
		}
		if d := e.domainOf(sub); d.State != StatePending || d.Problem == "" {
			t.Fatalf("while down: %+v", d)
		}
		e.reg.Down = false
		e.clk.Set(nb2)
		e.run()
		if d := e.domainOf(sub); d.State != StateActive || d.Problem != "" {
			t.Fatalf("after recovery: %+v", d)
		}
	})
}

// A poll message is stored before it is acknowledged: a crash between the two stores
// it once and the next sync acknowledges it.
func TestDomainSyncCrashBeforeAck(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org("Poll BV")
		e.reg.Hold("away.nl", "hostpact", "T1") // ours, to be transferred away
		other := e.reg.Conn("other-registrar")
		if _, err := other.RequestTransfer(e.ctx, "away.nl", "T1"); err != nil {
			t.Fatal(err)
		}
		_ = cust
		e.svc.failpoint = func(p string) error {
			if p == "before-ack" {
				return errCrash
			}
			return nil
		}
		if err := e.svc.Sync(e.ctx, e.clk.Now()); err == nil {
			t.Fatal("no crash")
		}
		e.svc.failpoint = nil
		if err := e.svc.Sync(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if n := e.count("domain_poll_messages", "domain = 'away.nl'"); n != 1 || e.reg.Queued("hostpact") != 0 {
			t.Fatalf("%d stored, %d still queued", n, e.reg.Queued("hostpact"))
		}
	})
}

// Withdrawing a cancellation (its end date cleared) withdraws the scheduled delete.
func TestDomainCancellationWithdrawn(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org("Withdraw BV")
		sub := e.mustOrder(cust, "keep.nl")
		e.run()
		if _, err := e.con.ConfirmCancellation(e.ctx, cust, sub.ID, contracts.CancelInput{}); err != nil {
			t.Fatal(err)
		}
		e.run()
		if d := e.domainOf(sub); d.State != StateScheduledDelete {
			t.Fatalf("not scheduled: %s", d.State)
		}
		withdrawCancellation(t, e, sub.ID)
		e.run()
		if d := e.domainOf(sub); d.State != StateActive || !d.DeleteOn.IsZero() {
			t.Fatalf("after the withdrawal: %+v", d)
		}
		if e.reg.Count("domain:cancel-delete") != 1 {
			t.Error("the registry's scheduled delete was not withdrawn")
		}
	})
}

// withdrawCancellation clears a subscription's end date as a withdrawn cancellation
// does in contracts (there is no service call for it yet).
func withdrawCancellation(t *testing.T, e *env, subID int64) {
	t.Helper()
	if _, err := e.db.ExecContext(e.ctx, `UPDATE subscriptions SET ends_on = NULL, end_reason = '' WHERE id = $1`, subID); err != nil {
		t.Fatal(err)
	}
}

// An agreement ended for non-payment: the registry deletes the name the terms' notice
// later, and the registrant gets the notice, once (cp.av.6.9).
func TestDomainRegistrarCancellationForDefault(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org("Default BV")
		sub := e.mustOrder(cust, "unpaid.nl")
		e.run()
		ends := terms.D(2026, 3, 1)
		if err := e.db.InTx(e.ctx, func(q store.Querier) error {
			_, err := e.con.TerminateForDefault(e.ctx, q, cust.User.OrgID, "invoice:1", ends, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		e.run()
		e.run()
		d := e.domainOf(sub)
		want := e.svc.today().AddMonths(1)
		if d.State != StateScheduledDelete || d.DeleteOn != want {
			t.Fatalf("after the termination: %s delete on %s, want %s", d.State, d.DeleteOn, want)
		}
		if n := e.count("mail_outbox", "subject LIKE $1", "%Cancellation of your domain name unpaid.nl%"); n != 1 {
			t.Fatalf("%d notices", n)
		}
		if n := e.count("mail_outbox", "body_text LIKE $1", fmt.Sprintf("%%%s%%", want)); n != 1 {
			t.Error("the notice does not name the day of deletion")
		}
	})
}
