package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
	demodriver "github.com/hostpact/hostpact/internal/provision/drivers/demo"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/usage"
)

// TestUsageScenario is issue 15's "must show" for cloudprovider, through the real
// services and the job runner on the fake clock: a customer on Webhosting Start
// (100 GB traffic a month) goes past 80% and 100% of it in March and is warned of each
// once; its meter delivers one sample twice and its outbound counter resets mid-month,
// and the month's figure is still inbound plus outbound (cp.av.9.3); on 2 April the
// usage above the plan is priced at the published price (cp.av.9.4) and the next
// billing run puts it on an invoice with its computation.
func TestUsageScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.System("scenario"))
		clk := clock.NewFake(start)
		cfg, err := config.Load("", nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Keys = testKeys
		cfg.PasswordHashCost = lightHash
		cfg.Demo = true // the demo driver type: services that run without a server
		cfg.Provider = config.Provider{VATID: config.DemoVATID, IBAN: config.DemoIBAN, BIC: config.DemoBIC, SEPACreditorID: config.DemoSEPACreditorID}
		pack, err := app.LoadPack(cfg)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.Build(cfg, pack, db, nil, clk)
		if err != nil {
			t.Fatal(err)
		}
		if err := catalog.SeedDemo(ctx, a.Catalog, pack.Name); err != nil {
			t.Fatal(err)
		}
		admin, err := a.Accounts.CreateUserCLI(ctx, accounts.UserInput{Email: "admin@provider.test", Name: "Admin", Language: "nl",
			Password: testPassword, Roles: []accounts.Role{accounts.RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		e := &env{t: t, ctx: ctx, db: db, clk: clk, a: a, runner: a.Runner(), staff: accounts.Principal{User: admin}}
		if _, err := a.Provision.RegisterServer(ctx, e.staff, provision.ServerInput{Name: "web01.ams", Type: demodriver.TypeName,
			Endpoint: "https://web01.cloudprovider.test:8443", Location: "Amsterdam", Capacity: 10, OnlyKinds: []driver.Kind{driver.KindWebhosting}}); err != nil {
			t.Fatal(err)
		}
		org, _ := e.customer(accounts.Business, "Jansen Bakkerij", "webhosting/start")
		e.runThrough(e.today())
		e.pay(e.firstInvoice(org.ID), e.firstInvoice(org.ID).AmountDue)
		svc := e.service(org.ID, driver.KindWebhosting)
		eq(t, "service state", string(svc.State), string(provision.StateActive))

		// March: the customer's own collector delivers hourly counters.
		e.runThrough(d("2026-03-31"))
		collector := e.staff
		send := func(samples ...usage.Sample) usage.Result {
			t.Helper()
			r, err := a.Usage.Submit(ctx, collector, samples)
			if err != nil {
				t.Fatal(err)
			}
			// The delivery only stores; the fold (the usage.fold job) counts the
			// months and warns.
			f, err := a.Usage.Fold(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			r.Warnings = f.Warnings
			return r
		}
		s := func(key string, m usage.Metric, gb float64, day int) usage.Sample {
			return usage.Sample{Key: key, ServiceID: svc.ID, Metric: m, Value: int64(gb * terms.BytesPerGB), MeasuredAt: amsterdam(3, day, 12, 0)}
		}
		send(s("in-1", usage.TrafficIn, 0, 1), s("out-1", usage.TrafficOut, 500, 1))
		eq(t, "no warning at 50%", send(s("in-2", usage.TrafficIn, 20, 10), s("out-2", usage.TrafficOut, 530, 10)).Warnings, 0)
		// 20 in + 30 out = 50 GB; then +30 in and, after the outbound counter reset, +5
		// out: 85 GB.
		r := send(s("in-3", usage.TrafficIn, 50, 15), s("out-3", usage.TrafficOut, 5, 15))
		eq(t, "warned at 80%", r.Warnings, 1)
		eq(t, "a repeated delivery changes nothing", send(s("in-3", usage.TrafficIn, 50, 15)).Duplicates, 1)
		eq(t, "warned at 100%", send(s("in-4", usage.TrafficIn, 75, 28), s("out-4", usage.TrafficOut, 43, 28)).Warnings, 1)
		eq(t, "no third warning", send(s("in-5", usage.TrafficIn, 80, 30)).Warnings, 0)
		eq(t, "warning mails", e.count(`SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE 'Uw dataverkeer%'`), 2)
		// In: 20 + 30 + 25 + 5 = 80 GB; out: 30 + 5 (reset) + 38 = 73 GB; 153 GB in all.
		su, err := a.Usage.ServiceMonths(ctx, e.staff, svc.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		march := su.Months[len(su.Months)-1]
		if march.Month != "2026-03" || march.Traffic != 153*terms.BytesPerGB || march.Resets != 1 {
			t.Fatalf("March %+v", march)
		}

		// 2 April: the month is priced and the next billing run invoices it.
		e.runThrough(d("2026-04-02"))
		e.clk.Set(amsterdam(4, 2, 12, 0))
		if _, err := e.runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		price := pack.Latest().Terms.Usage.OveragePrices.TrafficGB
		want := price.Mul(53)
		list, _, err := a.Billing.ListInvoices(ctx, e.staff, billing.InvoiceFilter{OrgID: org.ID, DocType: billing.DocInvoice}, billing.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, li := range list {
			inv, err := a.Billing.GetInvoice(ctx, e.staff, li.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range inv.Lines {
				if l.Source != billing.SourceUsage {
					continue
				}
				found = true
				if l.Amount != want || !strings.Contains(l.Description, "53.000 GB above 100 GB") {
					t.Fatalf("usage line %+v, want %s", l, want)
				}
				if !slices.Contains(inv.Explanation.Clauses(), "cp.av.9.4") {
					t.Fatalf("invoice explanation cites %v", inv.Explanation.Clauses())
				}
				t.Logf("invoice %s: %s %s\n%s", inv.Number, l.Description, l.Amount, inv.Explanation.Text())
			}
		}
		if !found {
			t.Fatal("no usage line on any invoice")
		}
		// Running again bills nothing twice.
		e.runThrough(d("2026-04-05"))
		eq(t, "usage lines", e.count(`SELECT COUNT(*) FROM invoice_lines WHERE source = 'usage'`), 1)
	}, app.Schemas()...)
}
