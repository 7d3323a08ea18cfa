package billing

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

func TestReports(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		nl := e.org(accounts.Consumer, "nl", "NL", "")
		be := e.org(accounts.Business, "be", "BE", "BE0123456749")
		de := e.org(accounts.Consumer, "de", "DE", "")
		for _, o := range []int64{nl, be, de} {
			e.sub(o, "Pro", "P1M", eur(100, 0), terms.D(2027, 1, 1))
		}
		e.run()
		e.setDay(terms.D(2027, 2, 1))
		e.run()
		inv := e.invoices(nl)[0]
		if _, err := e.svc.CreditInvoice(e.ctx, e.staff, inv.ID, CreditInput{Reason: "goodwill"}); err != nil {
			t.Fatal(err)
		}
		rev, err := e.svc.RevenuePerMonth(e.ctx, e.staff, terms.D(2027, 1, 1), terms.D(2027, 12, 31))
		if err != nil || len(rev) != 2 || rev[0].TotalExcl != eur(300, 0) || rev[1].TotalExcl != eur(200, 0) || rev[1].Credits != 1 {
			t.Fatalf("revenue: %+v %v", rev, err)
		}
		tot, err := e.svc.RevenueTotals(e.ctx, e.staff, terms.D(2027, 1, 1), terms.D(2027, 12, 31))
		if err != nil || tot.TotalExcl != eur(500, 0) || tot.Invoices != 6 || tot.Credits != 1 || tot.TotalIncl != rev[0].TotalIncl+rev[1].TotalIncl || tot.VAT != rev[0].VAT+rev[1].VAT {
			t.Fatalf("revenue totals: %+v %v", tot, err)
		}
		vat, err := e.svc.VATReport(e.ctx, e.staff, terms.D(2027, 1, 1), terms.D(2027, 12, 31))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]terms.Money{}
		for _, r := range vat {
			got[r.Scheme+"/"+r.Country+"/"+r.Code+"/"+r.Rate.String()] = r.VAT
		}
		if got["domestic/NL/S/21"] != eur(21, 0) || got["oss/DE/S/19"] != eur(38, 0) || got["reverse_charge/BE/AE/0"] != 0 {
			t.Fatalf("vat report: %v", got)
		}
		rec, err := e.svc.Receivables(e.ctx, e.staff, terms.D(2027, 3, 15))
		if err != nil {
			t.Fatal(err)
		}
		total := rec[len(rec)-1]
		// Open: be 2 × 100, de 2 × 119, nl February 121. January's are 42 days late on
		// 15 March (due 1 February), February's 14 days late (due 1 March).
		if total.Total != eur(200+238+121, 0) || total.Buckets[2] != eur(100+119, 0) || total.Buckets[1] != eur(100+119+121, 0) {
			t.Fatalf("receivables: %+v", total)
		}
		var b bytes.Buffer
		if err := WriteReceivablesCSV(&b, rec); err != nil || !strings.Contains(b.String(), "org_id,name,not_due") {
			t.Fatalf("csv: %v %s", err, b.String())
		}
		b.Reset()
		_ = WriteVATCSV(&b, vat)
		_ = WriteRevenueCSV(&b, rev)
		if !strings.Contains(b.String(), "oss,DE,S,19,200.00,38.00") {
			t.Fatalf("vat csv: %s", b.String())
		}
		if _, err := e.svc.Receivables(e.ctx, e.principal(nl), terms.D(2027, 3, 15)); err == nil {
			t.Fatal("customer read the receivables report")
		}
	})
}
