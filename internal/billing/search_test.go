package billing

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestInvoiceSearchByPrefix: a number prefix finds the invoices whose number starts
// with it, newest number first, paged by the cursor without repeats; an RF prefix finds
// by payment reference; LIKE's wildcards in the query are plain characters; a
// customer's search stays within its own invoices (issue 16).
func TestInvoiceSearchByPrefix(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		orgs := e.billedBusinesses("alfa", "bravo", "charlie")
		all, _, err := e.svc.ListInvoices(e.ctx, e.staff, InvoiceFilter{}, Page{Limit: 10})
		if err != nil || len(all) != 3 {
			t.Fatalf("invoices: %v %d", err, len(all))
		}
		series := all[0].Number[:strings.LastIndex(all[0].Number, "-")+1]
		search := func(by accounts.Principal, q string, p Page) ([]Invoice, int64) {
			t.Helper()
			list, next, err := e.svc.ListInvoices(e.ctx, by, InvoiceFilter{Query: q}, p)
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			return list, next
		}
		first, next := search(e.staff, strings.ToLower(series), Page{Limit: 2})
		if len(first) != 2 || next == 0 || first[0].Number <= first[1].Number {
			t.Fatalf("first page of %q: %d, next %d, %v", series, len(first), next, first)
		}
		rest, next2 := search(e.staff, series, Page{Limit: 2, Before: next})
		if len(rest) != 1 || next2 != 0 || rest[0].Number >= first[1].Number {
			t.Fatalf("second page of %q: %d, next %d", series, len(rest), next2)
		}
		if got, _ := search(e.staff, all[1].Number, Page{}); len(got) != 1 || got[0].ID != all[1].ID {
			t.Fatalf("whole number: %v", got)
		}
		if got, _ := search(e.staff, all[2].Reference[:6], Page{}); len(got) == 0 || got[0].Reference[:6] != all[2].Reference[:6] {
			t.Fatalf("reference prefix %q: %v", all[2].Reference[:6], got)
		}
		if got, _ := search(e.staff, all[2].Reference, Page{}); len(got) != 1 || got[0].ID != all[2].ID {
			t.Fatalf("whole reference: %v", got)
		}
		for _, q := range []string{"%", "_", series[:1] + "%", "X"} {
			if got, _ := search(e.staff, q, Page{}); len(got) != 0 {
				t.Fatalf("%q matched %d", q, len(got))
			}
		}
		// A customer sees its own invoice only, however the prefix matches others'.
		if got, _ := search(e.principal(orgs[0]), series, Page{}); len(got) != 1 || got[0].OrgID != orgs[0] {
			t.Fatalf("customer's search: %v", got)
		}
	})
}

// TestInvoiceSearchUsesTheNumberIndex: the prefix search across customers reads a
// range of the number's (or reference's) index in its order, with no full scan and on
// SQLite no sort, on the first page and after a cursor (issue 16).
func TestInvoiceSearchUsesTheNumberIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range []struct {
			name string
			f    InvoiceFilter
			p    Page
			col  string
		}{
			{"number", InvoiceFilter{Query: "F2027-0001"}, Page{Limit: 50}, "number"},
			{"number, next page", InvoiceFilter{Query: "F2027"}, Page{Limit: 50, Before: 1000}, "number"},
			{"number, open", InvoiceFilter{Query: "F2027", Status: StatusOpen}, Page{Limit: 50, Before: 1000}, "number"},
			{"reference", InvoiceFilter{Query: "RF12F2027"}, Page{Limit: 50}, "reference"},
		} {
			q, args := invoiceListQuery(db.Dialect, c.f, c.p)
			plan := storetest.NoFullScan(t, db, []string{"invoices", "i", "invoice_state", "s"}, q, args...)
			text := strings.Join(plan, "\n")
			want := "invoices_" + c.col + "_c"
			if db.Dialect == store.SQLite {
				want = "(" + c.col + ">? AND " + c.col + "<?)"
			}
			if !strings.Contains(text, want) || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("%s: not a range of the %s index without a sort (%s):\n%s", c.name, c.col, want, text)
			}
		}
	}, Schema)
}
