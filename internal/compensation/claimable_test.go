package compensation

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store"
)

// failingMonitor is the kit's monitor that also answers whether a check failed, as the
// real one does, so that Claimable can pass over months without downtime.
type failingMonitor struct{ *memMonitor }

func (m failingMonitor) ServiceFailed(ctx context.Context, q store.Querier, sub int64, from, to time.Time) (bool, error) {
	checks, err := m.ServiceChecks(ctx, q, sub, from, to)
	for _, c := range checks {
		if !c.OK {
			return true, err
		}
	}
	return false, err
}

// TestClaimableIsAvailabilityCanClaim: the months the customer's home lists
// (Claimable, which passes over months without downtime) are exactly Availability's
// months that can be claimed, for services with an outage, none, a failure that is no
// outage and a manual interval, while the month runs, once it is frozen, after a claim
// and after the claim window (issue 16).
func TestClaimableIsAvailabilityCanClaim(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.svc = New(e.db, e.clk, Deps{Pack: e.svc.d.Pack, Monitor: failingMonitor{e.mon}, Maintenance: e.mt, Billing: e.bill, Subscriptions: e.subs})
		for i := range int64(4) {
			e.sub(i+1, 1, 10*(i+1))
		}
		e.outage(10, "imap", at(2026, 3, 28, 10, 0), 107, "ams1", "fra1")
		e.outage(30, "http", at(2026, 3, 9, 14, 0), 60, "lon1") // one location: no outage
		e.outage(10, "https", at(2026, 2, 10, 9, 0), 300, "ams1", "fra1", "lon1")
		support := e.staff
		e.clk.Set(at(2026, 3, 29, 12, 0))
		if _, err := e.svc.RecordManual(e.ctx, support, 4, at(2026, 3, 20, 8, 0), at(2026, 3, 20, 11, 0), "ticket 42: the customer's site was down"); err != nil {
			t.Fatal(err)
		}
		compare := func(when string, wantSome bool) {
			t.Helper()
			all, err := e.svc.Availability(e.ctx, customer(1), 1, 3)
			if err != nil {
				t.Fatal(err)
			}
			some, err := e.svc.Claimable(e.ctx, customer(1), 1, 3)
			if err != nil {
				t.Fatal(err)
			}
			var want, got []Month
			for _, o := range all {
				for _, m := range o.Months {
					if m.CanClaim {
						want = append(want, m)
					}
				}
			}
			for _, o := range some {
				got = append(got, o.Months...)
			}
			if !reflect.DeepEqual(got, want) || len(some) != len(all) {
				t.Errorf("%s: claimable %+v\nwant %+v", when, got, want)
			}
			if (len(want) > 0) != wantSome {
				t.Errorf("%s: %d claimable months", when, len(want))
			}
		}
		compare("during March", true)
		e.clk.Set(at(2026, 4, 1, 1, 0))
		if err := e.svc.Freeze(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		compare("March frozen", true)
		if _, err := e.svc.Claim(e.ctx, customer(1), 1, "2026-03", ""); err != nil {
			t.Fatal(err)
		}
		compare("claimed", true)
		e.clk.Set(at(2026, 5, 20, 0, 0))
		compare("after the claim windows", false)
	})
}
