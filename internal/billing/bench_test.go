package billing

import (
	"fmt"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// BenchmarkBillingRun times a billing run over 2,000 subscriptions of 1,000
// customers on a fresh SQLite database per iteration (set up outside the timer) and
// reports invoices per second. `hostpact bench billing` runs the same at scale.
func BenchmarkBillingRun(b *testing.B) {
	const subs, per = 2000, 2
	var invoices int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		db := storetest.Open(b, store.SQLite, schemas...)
		t := &testing.T{}
		e := newEnv(t, db, "cloudprovider")
		var bulk []contracts.BulkSubscription
		for i := range subs {
			org := int64(i/per + 1)
			if _, ok := e.custs.orgs[org]; !ok {
				e.custs.orgs[org] = accounts.Organisation{ID: org, Kind: accounts.Consumer, LegalName: fmt.Sprintf("Klant %d", org),
					Email: fmt.Sprintf("k%d@example.nl", org), Language: "nl",
					PostalAddress: accounts.Address{Street: "Straat 1", PostalCode: "1234 AB", City: "Stad", Country: "NL"}}
			}
			bulk = append(bulk, contracts.BulkSubscription{OrgID: org, CustomerKind: terms.Consumer, Country: "NL", Name: "Pro",
				Kind: catalog.KindWebhosting, Billing: catalog.Subscription, Period: terms.MustPeriod("P1M"), Price: 795,
				VATCategory: terms.VATStandard, StartOn: terms.D(2027, 1, 1), TermEnd: terms.D(2028, 1, 1)})
		}
		if err := contracts.BulkLoad(e.ctx, db, "cloudprovider", bulk); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		res, err := e.svc.RunBilling(e.ctx, e.clk.Now())
		elapsed += time.Since(t0)
		if err != nil || res.Invoices != subs/per {
			b.Fatalf("run: %+v %v", res, err)
		}
		invoices += res.Invoices
	}
	b.ReportMetric(float64(invoices)/elapsed.Seconds(), "invoices/s")
}
