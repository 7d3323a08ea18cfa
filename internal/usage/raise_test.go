package usage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// planBook is the catalog and contracts for a raise: three plans of one product, and
// a Convert that moves the directory's service to the new plan as contracts would.
type planBook struct {
	f        *fixture
	plans    []PlanOption
	converts []int64
}

func (b *planBook) Options(_ context.Context, subID int64) (PlanOption, []PlanOption, error) {
	for _, m := range b.f.dir.svcs {
		if m.SubscriptionID == subID {
			for _, p := range b.plans {
				if p.ID == m.PlanID {
					return p, b.plans, nil
				}
			}
		}
	}
	return PlanOption{}, nil, accounts.ErrNotFound
}

func (b *planBook) Block(context.Context, accounts.Principal, int64, string) error { return nil }

func (b *planBook) Convert(_ context.Context, _ accounts.Principal, subID, planID int64) error {
	b.converts = append(b.converts, planID)
	b.f.dir.mu.Lock()
	defer b.f.dir.mu.Unlock()
	for id, m := range b.f.dir.svcs {
		if m.SubscriptionID == subID {
			m.PlanID = planID
			b.f.dir.svcs[id] = m
		}
	}
	return nil
}

// TestSettleRaisesThePlan: a cp customer who chose a raised plan over paying for the
// extra (cp.av.9.1) and used 620 GB of a 100 GB plan in March is moved to the
// cheapest plan that holds it (2000 GB, not the dearer 4000 GB or the 500 GB that is
// too small), counted from the start of March: the price difference for March is a
// usage charge on the next invoice with its explanation, and contracts' plan change
// applies the raise. A crash before the change finishes on the next run without a
// second charge; later runs change nothing.
func TestSettleRaisesThePlan(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "cloudprovider")
		book := &planBook{f: f, plans: []PlanOption{
			{ID: 1, Name: "Start", Price: 395, TrafficGB: ptr(100), StorageMB: ptr(10_240)},
			{ID: 2, Name: "Pro", Price: 795, TrafficGB: ptr(500), StorageMB: ptr(51_200)},
			{ID: 3, Name: "Business", Price: 1495, TrafficGB: ptr(2000), StorageMB: ptr(153_600)},
			{ID: 4, Name: "Max", Price: 2995, TrafficGB: nil, StorageMB: ptr(153_600)},
		}}
		f.s.d.Plans, f.s.d.Measures = book, book
		f.add(Metered{ServiceID: 1, OrgID: 10, SubscriptionID: 100, PlanID: 1, PlanName: "Start", Name: "web1", Active: true, TrafficGB: ptr(100), StorageMB: ptr(10_240)})
		ctx := context.Background()
		if _, err := f.s.Ingest(ctx, []Sample{
			{Key: "1", ServiceID: 1, Metric: TrafficOut, Value: 0, MeasuredAt: at(1, 9)},
			{Key: "2", ServiceID: 1, Metric: TrafficOut, Value: 620 * gb, MeasuredAt: at(30, 9)},
		}, "api"); err != nil {
			t.Fatal(err)
		}
		customer := accounts.Principal{User: accounts.User{ID: 5, Email: "klant@example.test", OrgID: 10, OrgAdmin: true}, Org: &accounts.Organisation{ID: 10}}
		if err := f.s.SetMode(ctx, customer, 1, "raise"); err != nil {
			t.Fatal(err)
		}
		// Killed before contracts changed the plan.
		crash := errors.New("killed")
		f.s.failpoint = func(p string) error {
			if p == "raise.before_convert" {
				return crash
			}
			return nil
		}
		settle := time.Date(2026, 4, 2, 1, 0, 0, 0, clock.Amsterdam)
		if _, err := f.s.Settle(ctx, settle); !errors.Is(err, crash) {
			t.Fatalf("settle: %v, want the crash", err)
		}
		f.s.failpoint = nil
		for range 2 {
			if _, err := f.s.Settle(ctx, settle); err != nil {
				t.Fatal(err)
			}
		}
		if len(book.converts) != 1 || book.converts[0] != 3 {
			t.Fatalf("converts %v, want one to plan 3", book.converts)
		}
		lines, err := f.s.OpenUsageLines(ctx, db)
		if err != nil || len(lines) != 1 {
			t.Fatalf("lines %+v %v", lines, err)
		}
		l := lines[0]
		if l.Amount != terms.Money(1495-395) || !strings.Contains(l.Description, "from Start to Business from the start of 2026-03") {
			t.Fatalf("line %+v", l)
		}
		if cl := l.Explanation.Clauses(); len(cl) == 0 || cl[0] != "cp.av.9.1" {
			t.Fatalf("explanation clauses %v", cl)
		}
		var status string
		if err := db.QueryRowContext(ctx, `SELECT status FROM usage_raises WHERE service_id = 1 AND month = '2026-03'`).Scan(&status); err != nil || status != "done" {
			t.Fatalf("raise %q %v", status, err)
		}
	}, schemas()...)
}

// TestSettleRaiseWithoutAFittingPlanBills: when no plan holds the month, the usage is
// billed at the published price after all (cp.av.9.4).
func TestSettleRaiseWithoutAFittingPlanBills(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "cloudprovider")
		book := &planBook{f: f, plans: []PlanOption{{ID: 1, Name: "Start", Price: 395, TrafficGB: ptr(100)}}}
		f.s.d.Plans, f.s.d.Measures = book, book
		f.add(Metered{ServiceID: 1, OrgID: 10, SubscriptionID: 100, PlanID: 1, Name: "web1", Active: true, TrafficGB: ptr(100)})
		ctx := context.Background()
		if _, err := f.s.Ingest(ctx, []Sample{
			{Key: "1", ServiceID: 1, Metric: TrafficOut, Value: 0, MeasuredAt: at(1, 9)},
			{Key: "2", ServiceID: 1, Metric: TrafficOut, Value: 150 * gb, MeasuredAt: at(30, 9)},
		}, "api"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE usage_services SET overage_mode = 'raise'`); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Settle(ctx, time.Date(2026, 4, 2, 1, 0, 0, 0, clock.Amsterdam)); err != nil {
			t.Fatal(err)
		}
		lines, err := f.s.OpenUsageLines(ctx, db)
		if err != nil || len(lines) != 1 || !strings.Contains(lines[0].Description, "50.000 GB") || len(book.converts) != 0 {
			t.Fatalf("lines %+v %v, converts %v", lines, err, book.converts)
		}
	}, schemas()...)
}
