package contracts

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/pdfdoc"
	"github.com/hostpact/hostpact/internal/terms"
)

// A Dutch quote says "€ 1.234,56" and "4 december 2026", an English one "€1,234.56"
// and "4 December 2026" — never the machine forms.
func TestQuotePDFFormatsInTheDocumentLanguage(t *testing.T) {
	t.Parallel()
	d := quoteDoc{ID: 9, Title: "Hosting", SentOn: terms.D(2026, 12, 4), Expires: terms.D(2027, 1, 3),
		Provider: terms.Provider{LegalName: "Cloudprovider B.V."},
		Lines:    []Line{{Description: "Project", Billing: catalog.OneOff, Quantity: 1, UnitPrice: 123456, Amount: 123456, SetupFee: 5000}},
		Totals:   Totals{VAT: []VATLine{{Rate: 2100, Base: 123456, VAT: 25926}}, TotalExcl: 123456, VATTotal: 25926, TotalIncl: 149382}}
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"nl", []string{"€ 1.234,56", "€ 1.493,82", "€ 50,00", "4 december 2026", "3 januari 2027", "Btw 21% over € 1.234,56"}},
		{"en", []string{"€1,234.56", "€1,493.82", "€50.00", "4 December 2026", "3 January 2027", "VAT 21% on €1,234.56"}},
	} {
		d.Lang = c.lang
		m, err := d.layout()
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(pdfdoc.Texts(m), "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s quote lacks %q:\n%s", c.lang, w, all)
			}
		}
		for _, bad := range []string{"1234.56", "2026-12-04"} {
			if strings.Contains(all, bad) {
				t.Errorf("%s quote prints the machine form %q", c.lang, bad)
			}
		}
	}
}
