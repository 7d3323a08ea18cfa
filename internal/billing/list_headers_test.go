package billing

import (
	"reflect"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestListedInvoicesAreHeaders: a listed document is the document GetInvoice reads,
// less its lines, provider, VAT breakdown and explanation; the customer, the amounts
// and the state are all there.
func TestListedInvoicesAreHeaders(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.org(accounts.Business, "alfa", "NL", "NL123456789B01")
		e.sub(a, "Hosting", "P1M", eur(25, 0), terms.D(2027, 1, 1))
		e.sub(a, "VPS", "P3M", eur(60, 0), terms.D(2027, 1, 1))
		e.run()
		list, _, err := e.svc.ListInvoices(e.ctx, e.principal(a), InvoiceFilter{}, Page{})
		if err != nil || len(list) == 0 {
			t.Fatalf("list: %v %v", list, err)
		}
		for _, got := range list {
			full, err := e.svc.GetInvoice(e.ctx, e.principal(a), got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if full.Provider.Name == "" || len(full.VATBreakdown) == 0 || len(full.Explanation) == 0 {
				t.Fatalf("the full document lacks what the header leaves out: %+v", full)
			}
			if got.Customer.Name != "alfa" {
				t.Errorf("%s: listed without its customer: %+v", got.Number, got.Customer)
			}
			header := full
			header.Lines, header.Provider, header.VATBreakdown, header.Explanation = nil, Party{}, nil, nil
			if !reflect.DeepEqual(got, header) {
				t.Errorf("%s: listed\n%+v\nwant the header of\n%+v", got.Number, got, header)
			}
		}
	})
}
