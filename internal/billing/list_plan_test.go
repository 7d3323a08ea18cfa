package billing

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
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
