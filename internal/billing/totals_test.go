package billing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// rebuildTotals fills the maintained totals again, for tests that write invoices
// straight into the tables.
func rebuildTotals(t testing.TB, db *store.DB) {
	t.Helper()
	if err := RebuildTotals(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

// TestReceivableDaysMatchTheInvoices: after a random sequence of billing runs, whole
// and partial payments, reversed payments, credit notes (whole and partial, on open
// and on paid invoices: a refund), direct debits pending and ended, the maintained
// receivable_days and revenue_days give what the open invoices and the documents add
// up to, on every report date around today; the migration's backfill gives the same
// rows (issue 16).
func TestReceivableDaysMatchTheInvoices(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		rng := rand.New(rand.NewPCG(16, 2027))
		var orgs []int64
		for k := range 6 {
			o := e.org(accounts.Business, fmt.Sprintf("klant%d", k), "NL", "")
			orgs = append(orgs, o)
			e.sub(o, "Pro", "P1M", eur(int64(10+k*7), 50), terms.D(2027, 1, 1))
			if k%2 == 0 {
				e.sub(o, "Mail", "P1M", eur(3, 99), terms.D(2027, 1, 1))
			}
		}
		day := terms.D(2027, 1, 1)
		e.setDay(day)
		e.run()
		payN := 0
		done := map[string]int{} // the operations that changed something, by kind
		check := func(step string) {
			t.Helper()
			today := e.svc.today()
			for _, asOf := range []terms.Date{today, today.AddDays(10), today.AddDays(45), today.AddDays(100)} {
				got, err := e.svc.ReceivableTotals(e.ctx, e.staff, asOf)
				if err != nil {
					t.Fatal(err)
				}
				want, err := e.svc.receivableTotalsExact(e.ctx, asOf)
				if err != nil {
					t.Fatal(err)
				}
				if got.FromInvoices {
					t.Fatalf("%s: as of %s counted from the invoices", step, asOf)
				}
				got.FromInvoices = true
				if got != want {
					t.Fatalf("%s, as of %s: maintained %+v, invoices %+v", step, asOf, got, want)
				}
			}
			from, to := terms.D(2027, 1, 1), terms.D(2027, 12, 31)
			got, err := e.svc.RevenuePerMonth(e.ctx, e.staff, from, to)
			if err != nil {
				t.Fatal(err)
			}
			want, err := e.svc.revenueFromDocuments(e.ctx, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: revenue %v, documents %v", step, got, want)
			}
		}
		check("first run")
		for step := range 60 {
			org := orgs[rng.IntN(len(orgs))]
			invs := e.invoices(org)
			var inv *Invoice
			for i := range invs {
				if invs[i].DocType == DocInvoice && (inv == nil || rng.IntN(2) == 0) {
					inv = &invs[i]
				}
			}
			var what string
			var err error
			switch op := rng.IntN(8); {
			case op == 0:
				day = day.AddDays(1 + rng.IntN(20))
				e.setDay(day)
				e.run()
				what = "run on " + day.String()
			case inv == nil:
				continue
			case op <= 2: // whole or partial payment
				payN++
				amount := inv.State.Open
				if op == 2 || amount <= 0 {
					amount = terms.Money(1 + rng.IntN(3000))
				}
				_, _, err = e.svc.ApplyPayment(e.ctx, e.db, inv.ID, amount, e.svc.today(), "bank", fmt.Sprint("p", payN))
				what = fmt.Sprintf("payment of %s on %s", amount, inv.Number)
			case op == 3 && payN > 0:
				err = e.svc.ReversePayment(e.ctx, e.db, "bank", fmt.Sprint("p", 1+rng.IntN(payN)))
				what = "reversal"
			case op == 4: // a whole credit note: open invoices are credited, paid ones refunded
				_, err = e.svc.CreditInvoice(e.ctx, e.staff, inv.ID, CreditInput{Reason: "goodwill"})
				what = "credit of " + inv.Number
			case op == 5 && len(inv.Lines) > 0:
				_, err = e.svc.CreditInvoice(e.ctx, e.staff, inv.ID, CreditInput{Reason: "partly",
					Lines: []CreditLine{{Position: inv.Lines[0].Position, Amount: inv.Lines[0].Amount / 2}}})
				what = "partial credit of " + inv.Number
			case op == 6:
				err = e.svc.MarkCollectionPending(e.ctx, e.db, inv.ID, fmt.Sprint("dd", step), e.svc.today())
				what = "collection pending " + inv.Number
			default:
				err = e.svc.EndCollectionPending(e.ctx, e.db, inv.ID, fmt.Sprint("dd", step), "returned")
				what = "collection ended " + inv.Number
			}
			if err != nil && !isRefusal(err) {
				t.Fatalf("step %d, %s: %v", step, what, err)
			}
			if err == nil {
				done[strings.Fields(what)[0]]++
			}
			check(fmt.Sprintf("step %d, %s", step, what))
		}
		t.Logf("operations done: %v", done)
		if len(done) < 6 {
			t.Errorf("too few kinds of operation done: %v", done)
		}
		var before [2]int
		before[0] = e.count(`SELECT COUNT(*) FROM receivable_days`)
		before[1] = e.count(`SELECT COUNT(*) FROM revenue_days`)
		if before[0] == 0 {
			t.Fatal("nothing open at the end: the test proves little")
		}
		want, err := e.svc.ReceivableTotals(e.ctx, e.staff, e.svc.today())
		if err != nil {
			t.Fatal(err)
		}
		rebuildTotals(t, e.db)
		check("after the backfill")
		if got, _ := e.svc.ReceivableTotals(e.ctx, e.staff, e.svc.today()); got != want {
			t.Errorf("backfill: %+v, maintained %+v", got, want)
		}
		if after := [2]int{e.count(`SELECT COUNT(*) FROM receivable_days`), e.count(`SELECT COUNT(*) FROM revenue_days`)}; after != before {
			t.Errorf("backfill: %v day rows, maintained %v", after, before)
		}
		// A report date before the last issue leaves later documents out: it is added
		// up from the invoices, and says so.
		past, err := e.svc.ReceivableTotals(e.ctx, e.staff, terms.D(2026, 12, 31))
		if err != nil || !past.FromInvoices || past.Total != 0 {
			t.Errorf("as of before every issue: %+v, %v", past, err)
		}
	})
}

// isRefusal is an error the service gives for an operation that does not apply to
// the invoice's state (paid already, not pending, credited already): the random
// sequence tries them too.
func isRefusal(err error) bool {
	var fe accounts.FieldErrors
	return errors.As(err, &fe) || errors.Is(err, ErrNotFound)
}

// TestTotalsQueriesReadNoInvoices: the dashboard's and the reports' totals read the
// maintained days (receivable_days whole, a few thousand rows at most; revenue_days by
// a range of its key) and the last issue date from the end of invoices_issue, never
// the invoices or their states (issue 16).
func TestTotalsQueriesReadNoInvoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tables := []string{"invoices", "i", "invoice_state", "s"}
		storetest.NoFullScan(t, db, tables, receivableDaysQuery, ageingArgs(terms.D(2027, 3, 15))...)
		text := strings.Join(storetest.NoFullScan(t, db, tables, lastIssueQuery), "\n")
		if !strings.Contains(text, "invoices_issue") {
			t.Errorf("last issue date not from invoices_issue:\n%s", text)
		}
		period := []any{"2027-01-01", "2027-12-31"}
		for name, q := range map[string]string{"revenue": revenueDaysQuery, "revenue totals": revenueTotalsQuery} {
			text := strings.Join(storetest.NoFullScan(t, db, append(tables, "revenue_days"), q, period...), "\n")
			want := "sqlite_autoindex_revenue_days_1 (issue_date>? AND issue_date<?)"
			if db.Dialect == store.Postgres {
				want = "revenue_days_pkey"
			}
			if !strings.Contains(text, want) {
				t.Errorf("%s: not a range of the days (%s):\n%s", name, want, text)
			}
		}
		for _, q := range []string{`SELECT s.org_id, MIN(i.due_date) FROM invoice_state s JOIN invoices i ON i.id = s.invoice_id
			WHERE s.status = 'open' AND s.open_amount > 0 AND s.org_id IN ($1, $2) GROUP BY s.org_id`} {
			text := strings.Join(storetest.NoFullScan(t, db, tables, q, int64(3), int64(9)), "\n")
			if !strings.Contains(text, "invoice_state_open_org") {
				t.Errorf("first due not along invoice_state_open_org:\n%s", text)
			}
		}
	}, Schema)
}
