package compensation

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
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

// ServicesFailed answers each window as ServiceFailed does (the monitor's own batch is
// tested in internal/monitor).
func (m failingMonitor) ServicesFailed(ctx context.Context, q store.Querier, windows []monitor.FailureWindow) ([]bool, error) {
	out := make([]bool, len(windows))
	for i, w := range windows {
		var err error
		if out[i], err = m.ServiceFailed(ctx, q, w.SubscriptionID, w.From, w.To); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mayHaveCreditOne is the answer for one month as Claimable gave it before it asked for
// all months at once (issue 16): a query each for the frozen figure, the failures and
// the manual intervals. The batch must give the same answers.
func (s *Service) mayHaveCreditOne(ctx context.Context, sub Subscription, m sla.Month) (bool, error) {
	f, frozen, err := loadFrozen(ctx, s.db, sub.ID, m.String())
	if err != nil || frozen {
		return frozen && f.Credit > 0, err
	}
	finder, ok := s.d.Monitor.(failureFinder)
	if !ok {
		return true, nil
	}
	pol, err := s.policy(m)
	if err != nil {
		return true, nil
	}
	rules, err := sla.RulesOf(pol)
	if err != nil {
		return true, nil
	}
	if none, _, err := pol.SLACredit(terms.SLAInput{MonthlyFee: sub.MonthlyFee, YearlyFee: sub.YearlyFee}); err != nil || none.Amount != 0 {
		return true, nil
	}
	_, from, until := checkWindow(m, rules, s.now())
	month := m.Interval()
	failed, err := finder.ServiceFailed(ctx, s.db, sub.ID, from, until)
	if err != nil || failed {
		return true, err
	}
	manual, err := manualIntervals(ctx, s.db, sub.ID, month.From, month.To)
	return len(manual) > 0, err
}

// TestMayHaveCreditBatchIsPerMonth: the answers mayHaveCredit gives for all services
// and months at once are the per-month answers, for frozen months with and without
// credit (and with a correction giving credit), failures inside, at the edge of and
// outside compute's window, a failure after now, manual intervals, a service started
// mid-span and one that ended, while months run and once they are frozen (issue 16).
func TestMayHaveCreditBatchIsPerMonth(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.failingServices(8)
		e.subs.mu.Lock()
		s6, s7 := e.subs.subs[6], e.subs.subs[7]
		s6.StartOn = terms.D(2026, 3, 15)
		s7.EndsOn = terms.D(2026, 2, 10)
		e.subs.subs[6], e.subs.subs[7] = s6, s7
		e.subs.mu.Unlock()
		e.outage(10, "imap", at(2026, 3, 28, 10, 0), 107, "ams1", "fra1")         // outage in March
		e.outage(20, "https", at(2026, 2, 10, 9, 0), 300, "ams1", "fra1", "lon1") // February: frozen with credit
		e.outage(30, "http", at(2026, 3, 9, 14, 0), 60, "lon1")                   // a failure that is no outage
		e.outage(40, "http", at(2026, 2, 28, 23, 55), 2, "ams1", "fra1", "lon1")  // February's end: in March's margin
		e.outage(50, "http", at(2026, 1, 15, 12, 0), 5, "ams1")                   // January only
		e.outage(60, "https", at(2026, 3, 29, 14, 0), 30, "ams1", "fra1", "lon1") // after "now" at first
		e.outage(70, "imap", at(2026, 2, 5, 10, 0), 120, "ams1", "fra1", "lon1")  // before the service ended
		e.outage(80, "http", at(2026, 2, 28, 23, 30), 5, "ams1", "fra1", "lon1")  // February, outside March's window
		e.clk.Set(at(2026, 3, 29, 12, 0))
		if _, err := e.svc.RecordManual(e.ctx, e.staff, 4, at(2026, 3, 20, 8, 0), at(2026, 3, 20, 11, 0), "ticket 42"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.RecordManual(e.ctx, e.staff, 5, at(2026, 2, 28, 20, 0), at(2026, 3, 1, 2, 0), "ticket 43: across the months"); err != nil {
			t.Fatal(err)
		}
		var answers [2]int
		// spot is a few answers the scenario must give, so that the comparison is not
		// between two answers that are both always true.
		compare := func(when string, months int, spot map[monthKey]bool) {
			t.Helper()
			cur := sla.MonthOf(e.clk.Now())
			var ms []subMonth
			for m, k := cur, 0; k < months; m, k = sla.MonthOf(m.Interval().From.Add(-time.Hour)), k+1 {
				for id := int64(1); id <= 8; id++ {
					ms = append(ms, subMonth{sub: e.subs.subs[id], m: m})
				}
			}
			got, err := e.svc.mayHaveCredit(e.ctx, ms)
			if err != nil {
				t.Fatal(err)
			}
			for i, sm := range ms {
				want, err := e.svc.mayHaveCreditOne(e.ctx, sm.sub, sm.m)
				if err != nil {
					t.Fatal(err)
				}
				if got[i] != want {
					t.Errorf("%s: subscription %d, %s: batch %v, per month %v", when, sm.sub.ID, sm.m, got[i], want)
				}
				answers[b2i(want)]++
				if w, ok := spot[monthKey{sm.sub.ID, sm.m.String()}]; ok && w != got[i] {
					t.Errorf("%s: subscription %d, %s: %v, want %v", when, sm.sub.ID, sm.m, got[i], w)
				}
			}
		}
		compare("during March", 3, map[monthKey]bool{{1, "2026-03"}: true, {6, "2026-03"}: false, {8, "2026-03"}: false, {4, "2026-03"}: true})
		e.clk.Set(at(2026, 3, 31, 23, 59))
		compare("March's last minute", 4, map[monthKey]bool{{6, "2026-03"}: true, {5, "2026-01"}: true, {5, "2026-02"}: true, {7, "2026-03"}: false})
		e.clk.Set(at(2026, 4, 1, 1, 0))
		if err := e.svc.Freeze(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM sla_months WHERE credit > 0`); n == 0 {
			t.Fatal("no frozen month with credit")
		}
		compare("frozen", 3, map[monthKey]bool{{1, "2026-03"}: true, {3, "2026-03"}: false, {8, "2026-03"}: false, {2, "2026-02"}: true})
		if _, err := e.svc.Correct(e.ctx, e.staff, 3, "2026-03", 600, "the customer's logs show a longer outage"); err != nil {
			t.Fatal(err)
		}
		compare("corrected", 4, map[monthKey]bool{{3, "2026-03"}: true})
		e.clk.Set(at(2026, 4, 1, 0, 5)) // April's window so far is only March's margin
		compare("April's first minutes", 2, nil)
		if answers[0] == 0 || answers[1] == 0 {
			t.Errorf("answers false/true: %v, want both", answers)
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestClaimableIsAvailabilityCanClaim: the months the customer's home lists
// (Claimable, which passes over months without downtime) are exactly Availability's
// months that can be claimed, for services with an outage, none, a failure that is no
// outage and a manual interval, while the month runs, once it is frozen, after a claim
// and after the claim window (issue 16).
func TestClaimableIsAvailabilityCanClaim(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.failingServices(4)
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

// TestClaimableQueriesUseTheirIndexes: the frozen credits and the manual intervals of
// all services at once read along their indexes (issue 16).
func TestClaimableQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		tables := []string{"sla_months", "m", "sla_corrections", "c", "sla_manual"}
		storetest.NoFullScan(t, e.db, tables, frozenCreditsSQL("($3, $4)"), "2026-01", "2026-03", int64(1), int64(2))
		storetest.NoFullScan(t, e.db, tables, manualIntervalsOfSQL("($3, $4)"), at(2026, 4, 1, 0, 0), at(2026, 1, 1, 0, 0), int64(1), int64(2))
	})
}

// failingServices gives e a service whose monitor reports the failed checks, and n
// subscriptions 1…n of organisation 1, subscription i on server 10·i.
func (e *env) failingServices(n int64) {
	e.svc = New(e.db, e.clk, Deps{Pack: e.svc.d.Pack, Monitor: failingMonitor{e.mon}, Maintenance: e.mt, Billing: e.bill, Subscriptions: e.subs})
	for i := range n {
		e.sub(i+1, 1, 10*(i+1))
	}
}
