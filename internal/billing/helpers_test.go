package billing

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

type fakeCustomers struct {
	mu   sync.Mutex
	orgs map[int64]accounts.Organisation
}

func (f *fakeCustomers) GetOrganisation(_ context.Context, by accounts.Principal, id int64) (accounts.Organisation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orgs[id]
	if !ok || (!by.IsStaff() && by.User.OrgID != id) {
		return accounts.Organisation{}, accounts.ErrNotFound
	}
	return o, nil
}

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clk   *clock.Fake
	svc   *Service
	custs *fakeCustomers
	staff accounts.Principal
	next  int64
}

// start is 1 January 2027, 10:00 in Amsterdam.
var start = time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)

var testConfig = Config{
	Provider: terms.Provider{VATID: "NL001234567B01"},
	IBAN:     "NL91ABNA0417164300", BIC: "ABNANL2A", Mail: true,
}

func newEnv(t *testing.T, db *store.DB, pack string) *env {
	pk, err := terms.LoadPack(pack)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig
	if pack == "5online" {
		cfg.Provider.Address = "Hoofdstraat 1, 8731 AA Wommels, NL"
	}
	clk := clock.NewFake(start)
	e := &env{t: t, ctx: context.Background(), db: db, clk: clk, custs: &fakeCustomers{orgs: map[int64]accounts.Organisation{}},
		staff: accounts.Principal{User: accounts.User{ID: 7, Email: "billing@provider.test", Roles: []accounts.Role{accounts.RoleBilling}}},
		next:  100}
	e.svc = New(db, clk, Deps{Pack: pk, Customers: e.custs, Config: cfg})
	return e
}

var schemas = []store.Schema{audit.Schema, notify.Schema, contracts.Schema, Schema}

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	eachPack(t, "cloudprovider", fn)
}

func eachPack(t *testing.T, pack string, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, pack)
		fn(t, e)
		if _, problems, err := audit.Verify(e.ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
		if _, problems, err := e.svc.Verify(e.ctx); err != nil || len(problems) > 0 {
			t.Fatalf("billing verify: %v %v", err, problems)
		}
	}, schemas...)
}

// org adds a customer. kind consumer/business; country ISO code; vatID optional.
// monthlyConsumers makes n consumers c0…c(n-1), each with a €5 monthly subscription
// from 2027-01-01, not yet billed.
func (e *env) monthlyConsumers(n int) []int64 {
	var orgs []int64
	for i := range n {
		org := e.org(accounts.Consumer, fmt.Sprintf("c%d", i), "NL", "")
		e.sub(org, "S", "P1M", eur(5, 0), terms.D(2027, 1, 1))
		orgs = append(orgs, org)
	}
	return orgs
}

// billedBusinesses makes a Dutch business customer per name, each with a monthly
// webhosting subscription from 2027-01-01, and runs the billing: one invoice each.
func (e *env) billedBusinesses(names ...string) []int64 {
	var orgs []int64
	for _, n := range names {
		o := e.org(accounts.Business, n, "NL", "")
		orgs = append(orgs, o)
		e.sub(o, "Webhosting", "P1M", eur(7, 95), terms.D(2027, 1, 1))
	}
	e.run()
	return orgs
}

func (e *env) org(kind accounts.OrgKind, name, country, vatID string) int64 {
	e.next++
	id := e.next
	o := accounts.Organisation{ID: id, Kind: kind, LegalName: name, Email: "billing@" + name + ".test", Language: "nl",
		PostalAddress: accounts.Address{Street: "Straat 1", PostalCode: "1234 AB", City: "Stad", Country: country}, VATID: vatID}
	if kind == accounts.Business && country == "NL" {
		o.KvK = "12345678"
	}
	if country != "NL" {
		o.Language = "en"
	}
	o.BillingAddress = o.PostalAddress
	e.custs.mu.Lock()
	e.custs.orgs[id] = o
	e.custs.mu.Unlock()
	return id
}

func (e *env) principal(orgID int64) accounts.Principal {
	o := e.custs.orgs[orgID]
	return accounts.Principal{User: accounts.User{ID: 1000 + orgID, OrgID: orgID, OrgAdmin: true, Email: o.Email}, Org: &o}
}

// sub adds an active subscription; period "P1M", "P1Y" or "" for a one-off line.
func (e *env) sub(orgID int64, name, period string, price terms.Money, startOn terms.Date) int64 {
	e.t.Helper()
	o := e.custs.orgs[orgID]
	b := contracts.BulkSubscription{OrgID: orgID, CustomerKind: terms.Business, OrgName: o.LegalName, Country: o.PostalAddress.Country,
		Name: name, Kind: catalog.KindWebhosting, Billing: catalog.Subscription, Price: price, VATCategory: terms.VATStandard,
		StartOn: startOn, TermEnd: startOn.AddYears(1)}
	if o.Kind == accounts.Consumer {
		b.CustomerKind = terms.Consumer
	}
	if period == "" {
		b.Billing, b.Kind = catalog.OneOff, catalog.KindCustom
	} else {
		b.Period = terms.MustPeriod(period)
	}
	if err := contracts.BulkLoad(e.ctx, e.db, e.svc.pack.Name, []contracts.BulkSubscription{b}); err != nil {
		e.t.Fatal(err)
	}
	var id int64
	if err := e.db.QueryRowContext(e.ctx, `SELECT MAX(id) FROM subscriptions`).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) run() RunResult {
	e.t.Helper()
	res, err := e.svc.RunBilling(e.ctx, e.clk.Now())
	if err != nil {
		e.t.Fatalf("run: %v", err)
	}
	return res
}

// setDay moves the clock to 10:00 Amsterdam on d.
func (e *env) setDay(d terms.Date) {
	e.clk.Set(time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, time.UTC))
}

func (e *env) invoices(orgID int64) []Invoice {
	e.t.Helper()
	list, _, err := e.svc.ListInvoices(e.ctx, e.staff, InvoiceFilter{OrgID: orgID}, Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]Invoice, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		inv, err := e.svc.GetInvoice(e.ctx, e.staff, list[i].ID)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, inv)
	}
	return out
}

func (e *env) count(sqlText string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, sqlText, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", sqlText, err)
	}
	return n
}
