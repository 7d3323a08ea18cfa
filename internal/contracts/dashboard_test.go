package contracts

import (
	"math/big"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestDashboardQueriesUseTheirIndex: the recurring revenue reads recurring_totals
// alone, never a subscription or contract, and today's orders walk
// contracts_concluded, on both engines (issue 16).
func TestDashboardQueriesUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		plan := storetest.Plan(t, db, mrrQuery)
		if text := strings.Join(plan, "\n"); strings.Contains(text, "subscriptions") || strings.Contains(text, "contracts") || !strings.Contains(text, "recurring_totals") {
			t.Errorf("recurring revenue: not read from recurring_totals alone:\n%s", text)
		}
		t.Logf("%s recurring revenue:\n  %v", db.Dialect, plan)
		plan = storetest.NoFullScan(t, db, []string{"contracts"}, concludedQuery(db.Dialect), "2026-01-05", ConcludedMax)
		// PostgreSQL's planner picks among usable indexes by its statistics, which an
		// empty test table does not have (contracts_status serves today's orders as
		// well); the property that matters there is that no table is read whole.
		if text := strings.Join(plan, "\n"); db.Dialect == store.SQLite && !strings.Contains(text, "contracts_concluded") {
			t.Errorf("today's orders: not read along contracts_concluded:\n%s", text)
		}
		t.Logf("%s today's orders:\n  %v", db.Dialect, plan)
		if db.Dialect != store.SQLite {
			return
		}
		// Statistics of a provider whose 100,000 contracts were concluded on one day (an
		// import), as store.Analyze keeps them (sqlite_stat1 only): SQLite then expects
		// every contract for any day, and walked the primary key for the ORDER BY,
		// reading all of them on a day without orders (62 ms at 100,000).
		for _, q := range []string{`ANALYZE`, `DELETE FROM sqlite_stat1`,
			`INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('contracts', 'contracts_concluded', '100000 100000 100000 1'), ('contracts', 'contracts_status', '100000 100000'), ('contracts', NULL, '100000')`,
			`ANALYZE sqlite_schema`} {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		plan = storetest.NoFullScan(t, db, []string{"contracts"}, concludedQuery(db.Dialect), "2026-01-05", ConcludedMax)
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "contracts_concluded") {
			t.Errorf("today's orders, one day's import: not read along contracts_concluded:\n%s", text)
		}
	}, Schema)
}

// TestRecurringAndTodaysOrders: the recurring revenue from the aggregate equals the
// sum of each running subscription's monthly price, and today's orders are the
// contracts concluded today.
func TestRecurringAndTodaysOrders(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.org(accounts.Consumer, "Anna A")
		b := e.org(accounts.Business, "Bert B")
		start, pro, vpn := e.plan("cloudprovider", "webhosting", "start"), e.plan("cloudprovider", "webhosting", "pro"), e.plan("cloudprovider", "vpn", "standard")
		a1 := e.order(e.cp, a, false, OrderLine{PlanID: start.ID, Quantity: 1})
		e.setDay(terms.D(2026, 1, 6))
		b1 := e.order(e.cp, b, false, OrderLine{PlanID: pro.ID, Quantity: 3}, OrderLine{PlanID: vpn.ID, Quantity: 1})
		b2 := e.order(e.cp, b, false, OrderLine{PlanID: vpn.ID, Quantity: 1})

		want := new(big.Rat)
		services := 0
		cs, _, err := e.cp.ListContracts(e.ctx, e.sales, ContractFilter{Status: ContractActive}, Page{Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			for _, sub := range c.Subscriptions {
				months, ok := sub.Period.InMonths()
				if sub.Status != SubActive || sub.Billing != catalog.Subscription || !ok || months <= 0 {
					continue
				}
				services++
				want.Add(want, new(big.Rat).SetFrac64(int64(sub.Price)*int64(max(sub.Quantity, 1)), int64(months)))
			}
		}
		got, err := e.cp.Recurring(e.ctx, e.sales)
		if err != nil || got.MRR != terms.RoundCents(want) || got.Services != services || services < 3 {
			t.Fatalf("recurring %+v %v, want %s over %d", got, err, terms.RoundCents(want), services)
		}
		today, err := e.cp.ConcludedOn(e.ctx, e.sales, terms.D(2026, 1, 6), 10)
		if err != nil || len(today) != 2 || today[0].ID != b2.ID || today[1].ID != b1.ID || today[0].OrgName != b2.OrgName || today[1].TotalIncl != b1.TotalIncl {
			t.Fatalf("today's orders %+v %v", today, err)
		}
		if old, err := e.cp.ConcludedOn(e.ctx, e.sales, terms.D(2026, 1, 5), 10); err != nil || len(old) != 1 || old[0].ID != a1.ID {
			t.Fatalf("orders of the 5th %+v %v", old, err)
		}
		if _, err := e.cp.Recurring(e.ctx, a); err == nil {
			t.Fatal("a customer read the recurring revenue")
		}
		if _, err := e.cp.ConcludedOn(e.ctx, a, terms.D(2026, 1, 6), 10); err == nil {
			t.Fatal("a customer read today's orders")
		}
	})
}

// TestOneCustomersSLASubscriptionsUseTheirIndex: the subscriptions with the guarantee
// of one customer (their portal home's SLA months) are read along subscriptions_org,
// not found among everybody's (issue 16).
func TestOneCustomersSLASubscriptionsUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		where, args := slaQuery(42, terms.D(2026, 1, 1), terms.D(2026, 4, 1))
		plan := storetest.NoFullScan(t, db, []string{"subscriptions"}, `SELECT `+subCols+` FROM subscriptions `+where, args...)
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "subscriptions_org") {
			t.Errorf("one customer's SLA subscriptions: not along subscriptions_org:\n%s", text)
		}
	}, Schema)
}
