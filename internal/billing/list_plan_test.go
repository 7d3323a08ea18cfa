package billing

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestInvoiceListsUseTheirIndex: the open invoices of every customer are read along
// invoice_state_open and one customer's invoices along invoices_org, on both engines,
// and on SQLite without a sort of all rows: a page costs the same at a million
// invoices (issue 16).
func TestInvoiceListsUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range []struct {
			name  string
			f     InvoiceFilter
			p     Page
			index string
		}{
			{"open, every customer", InvoiceFilter{Status: StatusOpen}, Page{Limit: 50}, "invoice_state_open"},
			{"open, next page", InvoiceFilter{Status: StatusOpen}, Page{Limit: 50, Before: 1000}, "invoice_state_open"},
			{"one customer", InvoiceFilter{OrgID: 7}, Page{Limit: 50}, "invoices_org"},
			{"one customer's open", InvoiceFilter{OrgID: 7, Status: StatusOpen}, Page{Limit: 50, Before: 1000}, "invoices_org"},
			{"credit notes", InvoiceFilter{DocType: DocCreditNote}, Page{Limit: 50}, "invoices_doc_type"},
			{"credit notes, next page", InvoiceFilter{DocType: DocCreditNote}, Page{Limit: 50, Before: 1000}, "invoices_doc_type"},
			{"a series", InvoiceFilter{Series: "F2025"}, Page{Limit: 50, Before: 1000}, "invoices_series"},
		} {
			q, args := invoiceListQuery(db.Dialect, c.f, c.p)
			plan := storetest.NoFullScan(t, db, []string{"invoices", "i", "invoice_state", "s"}, q, args...)
			text := strings.Join(plan, "\n")
			// PostgreSQL costs a sort of the few rows of an empty test table as cheaper
			// than an ordered walk, so only SQLite's plan is held to "no sort".
			if !strings.Contains(text, c.index) || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("%s: not read along %s without a sort:\n%s", c.name, c.index, text)
			}
		}
	}, Schema)
}

// TestRefundsOwedUsesItsIndex: the refunds still owed are read along refunds_status,
// not every refund ever made (issue 16).
func TestRefundsOwedUsesItsIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		plan := storetest.NoFullScan(t, db, []string{"refunds"}, refundsOwedQuery)
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "refunds_status") {
			t.Errorf("not along refunds_status:\n%s", text)
		}
	}, Schema)
}

// TestBilledStateProbesTheKey: the billing run reads what is billed of a page of
// subscriptions by probing billed_items' key per subscription (source and source_id
// both in the index condition), never by reading every item of a source: on
// PostgreSQL an IN list of ids was planned as a pass over all billed items per page,
// and a run of 100,000 subscriptions grew with the square of its size (issue 16).
func TestBilledStateProbesTheKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for extras, want := range map[bool]int{false: 1, true: 3} {
			plan := storetest.NoFullScan(t, db, []string{"billed_items", "b"}, billedStateQuery([]int64{3, 5, 8, 4000000000}, extras))
			if probes := keyProbes(db, plan); probes != want {
				t.Errorf("%s, extras %v: %d probes of billed_items by (source, source_id), want %d:\n%s", db.Dialect, extras, probes, want, strings.Join(plan, "\n"))
			}
		}
	}, Schema)
}

// keyProbes counts the lookups of billed_items by source and source_id in plan.
func keyProbes(db *store.DB, plan []string) int {
	probes := 0
	for _, line := range plan {
		switch {
		case db.Dialect == store.SQLite && strings.Contains(line, "billed_items") && strings.Contains(line, "source=? AND source_id=?"):
			probes++
		case db.Dialect == store.Postgres && strings.Contains(line, "Index Cond: ((source = ") && strings.Contains(line, "AND (source_id = "):
			probes++
		}
	}
	return probes
}

// TestOpenInvoicesOfUsesItsIndex: the direct-debit candidates of a page of customers
// with a mandate are read along invoice_state_open_org, never by a walk of every
// (open) invoice (issue 16).
func TestOpenInvoicesOfUsesItsIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, orgs := range []int{1, 3, 200} {
			args := []any{OpenInvoicesMax}
			for i := range orgs {
				args = append(args, int64(100+i))
			}
			plan := storetest.NoFullScan(t, db, []string{"invoices", "i", "invoice_state", "s"}, openInvoicesOfQuery(orgs), args...)
			if text := strings.Join(plan, "\n"); !strings.Contains(text, "invoice_state_open_org") {
				t.Errorf("%d customers: not read along invoice_state_open_org:\n%s", orgs, text)
			}
		}
	}, Schema)
}

// TestOpenInvoicesOf: the direct-debit candidates of some customers are their open
// invoices with something left to pay, by customer and oldest first, never a paid
// invoice, a credit note or another customer's invoice; staff only.
func TestOpenInvoicesOf(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		orgs := e.billedBusinesses("alfa", "bravo", "charlie")
		paid := e.invoices(orgs[1])[0]
		if _, _, err := e.svc.ApplyPayment(e.ctx, e.db, paid.ID, paid.State.Open, terms.D(2027, 1, 2), "bank", "ref-1"); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.OpenInvoicesOf(e.ctx, e.staff, []int64{orgs[2], orgs[1], orgs[0]}, 10)
		if err != nil || len(got) != 2 || got[0].OrgID != orgs[0] || got[1].OrgID != orgs[2] || got[0].DocType != DocInvoice || got[0].State.Open <= 0 {
			t.Fatalf("open invoices of the three: %+v %v", got, err)
		}
		if got, err := e.svc.OpenInvoicesOf(e.ctx, e.staff, orgs[2:], 10); err != nil || len(got) != 1 || got[0].OrgID != orgs[2] {
			t.Fatalf("open invoices of one: %+v %v", got, err)
		}
		if _, err := e.svc.OpenInvoicesOf(e.ctx, e.principal(orgs[0]), orgs[:1], 10); err == nil {
			t.Fatal("a customer listed open invoices across customers")
		}
	})
}
