package billing

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/pdfdoc"
	"github.com/hostpact/hostpact/internal/terms"
)

// A document is written the way its reader writes amounts, rates and dates: a Dutch
// invoice says "€ 1.234,56" and "4 december 2026", an English one "€1,234.56" and
// "4 December 2026"; neither prints the machine form "1234.56" or "2026-12-04".
func TestPDFFormatsInTheDocumentLanguage(t *testing.T) {
	t.Parallel()
	inv := Invoice{DocType: DocInvoice, Number: "2026-000042", Reference: "RF18000042", OrgID: 7,
		IssueDate: terms.D(2026, 12, 4), DueDate: terms.D(2026, 12, 18), PeriodStart: terms.D(2027, 1, 1), PeriodEnd: terms.D(2027, 1, 31),
		VATScheme: SchemeDomestic, TotalExcl: 123456, VAT: 25926, TotalIncl: 149382, AmountDue: 149382,
		Provider: Party{Name: "Cloudprovider B.V.", IBAN: "NL91ABNA0417164300"}, Customer: Party{Name: "Alfa B.V."},
		VATBreakdown: []VATLine{{Code: "S", Rate: 2100, Base: 123456, VAT: 25926}},
		Lines: []Line{{Description: "Webhosting", Quantity: 1, UnitPrice: 123456, Amount: 123456, VATRate: 550,
			PeriodStart: terms.D(2027, 1, 1), PeriodEnd: terms.D(2027, 1, 31)}}}
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"nl", []string{"€ 1.234,56", "€ 1.493,82", "4 december 2026", "18 december 2026", "1 januari 2027 – 31 januari 2027", "Btw 21% over € 1.234,56", "5,5%"}},
		{"en", []string{"€1,234.56", "€1,493.82", "4 December 2026", "18 December 2026", "1 January 2027 – 31 January 2027", "VAT 21% on €1,234.56", "5.5%"}},
	} {
		inv.Lang = c.lang
		m, err := inv.layout()
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(pdfdoc.Texts(m), "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s invoice lacks %q:\n%s", c.lang, w, all)
			}
		}
		for _, bad := range []string{"1234.56", "2026-12-04", "€ 1234"} {
			if strings.Contains(all, bad) {
				t.Errorf("%s invoice prints the machine form %q", c.lang, bad)
			}
		}
	}
}

func TestPDFNumberHasNoEuroSign(t *testing.T) {
	t.Parallel()
	for m, want := range map[terms.Money]string{123456: "1.234,56", -795: "-7,95", 0: "0,00"} {
		if got := pdfdoc.Number(m, "nl"); got != want {
			t.Errorf("Number(%d, nl) = %q, want %q", m, got, want)
		}
	}
	if got := pdfdoc.Number(123456, "en"); got != "1,234.56" {
		t.Errorf("Number(en) = %q", got)
	}
}
