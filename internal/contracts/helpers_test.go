package contracts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// fakeCustomers stands in for the accounts service: a customer sees only itself.
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

// fakeLedger stands in for billing: what was invoiced and paid per subscription.
type fakeLedger struct {
	mu       sync.Mutex
	accounts map[int64]Account
}

func (f *fakeLedger) SubscriptionAccount(_ context.Context, _ store.Querier, subID int64) (Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accounts[subID], nil
}

func (f *fakeLedger) set(subID int64, a Account) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[subID] = a
}

// recorder counts the provisioning hook's calls.
type recorder struct {
	mu            sync.Mutex
	provisioned   map[int64]int
	deprovisioned map[int64]int
}

func (r *recorder) Provision(_ context.Context, sub Subscription) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.provisioned[sub.ID]++
	return nil
}

func (r *recorder) Deprovision(_ context.Context, sub Subscription) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deprovisioned[sub.ID]++
	return nil
}

func (r *recorder) count(m map[int64]int, id int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return m[id]
}

type env struct {
	t       *testing.T
	ctx     context.Context
	db      *store.DB
	clk     *clock.Fake
	cat     *catalog.Service
	cp      *Service // cloudprovider
	fo      *Service // 5online
	prov    *recorder
	custs   *fakeCustomers
	ledger  *fakeLedger
	sales   accounts.Principal
	support accounts.Principal
	nextOrg int64
}

var start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) // 10:00 in Amsterdam

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(start)
		e := &env{t: t, ctx: ctx, db: db, clk: clk, cat: catalog.New(db, clk),
			prov:    &recorder{provisioned: map[int64]int{}, deprovisioned: map[int64]int{}},
			custs:   &fakeCustomers{orgs: map[int64]accounts.Organisation{}},
			ledger:  &fakeLedger{accounts: map[int64]Account{}},
			sales:   accounts.Principal{User: accounts.User{ID: 1, Email: "sales@provider.test", Roles: []accounts.Role{accounts.RoleSales}}},
			support: accounts.Principal{User: accounts.User{ID: 2, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}},
			nextOrg: 100}
		for _, pack := range []string{"cloudprovider", "5online"} {
			if err := catalog.SeedDemo(ctx, e.cat, pack); err != nil {
				t.Fatal(err)
			}
			pk, err := terms.LoadPack(pack)
			if err != nil {
				t.Fatal(err)
			}
			svc := New(db, clk, Deps{Pack: pk, Plans: e.cat, Customers: e.custs, Ledger: e.ledger, Provisioner: e.prov, BaseURL: "https://portal.example/"})
			if pack == "cloudprovider" {
				e.cp = svc
			} else {
				e.fo = svc
			}
		}
		fn(t, e)
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
	}, audit.Schema, notify.Schema, catalog.Schema, Schema)
}

// org creates a customer and returns its admin user's principal.
func (e *env) org(kind accounts.OrgKind, name string) accounts.Principal {
	e.nextOrg++
	id := e.nextOrg
	email := strings.Trim(strings.ToLower(strings.NewReplacer(" ", ".", "..", ".").Replace(name)), ".") + "@customer.test"
	o := accounts.Organisation{ID: id, Kind: kind, LegalName: name, Email: email, Language: "nl",
		PostalAddress: accounts.Address{Street: "Straat 1", PostalCode: "1234 AB", City: "Amsterdam", Country: "NL"}}
	if kind == accounts.Business {
		o.Language = "en"
	}
	e.custs.mu.Lock()
	e.custs.orgs[id] = o
	e.custs.mu.Unlock()
	return accounts.Principal{User: accounts.User{ID: 1000 + id, OrgID: id, OrgAdmin: true, Email: email}, Org: &o}
}

// subUser returns a sub-user of the same organisation with the given permissions.
func subUser(admin accounts.Principal, perms ...accounts.Permission) accounts.Principal {
	return accounts.Principal{User: accounts.User{ID: admin.User.ID + 5000, OrgID: admin.User.OrgID, Email: "sub." + admin.User.Email, Permissions: perms}, Org: admin.Org}
}

func (e *env) plan(pack, product, code string) catalog.Plan {
	e.t.Helper()
	p, err := e.cat.PlanByCode(e.ctx, pack, product, code)
	if err != nil {
		e.t.Fatalf("plan %s/%s/%s: %v", pack, product, code, err)
	}
	return p
}

var keySeq struct {
	sync.Mutex
	n int
}

func newKey() string {
	keySeq.Lock()
	defer keySeq.Unlock()
	keySeq.n++
	return fmt.Sprintf("key-%08d", keySeq.n)
}

func (e *env) order(svc *Service, by accounts.Principal, express bool, lines ...OrderLine) Contract {
	e.t.Helper()
	v, err := svc.CurrentTermsVersion(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := svc.PlaceOrder(e.ctx, by, OrderInput{OrgID: by.User.OrgID, Lines: lines, TermsVersion: v, AcceptTerms: true,
		ExpressStart: express, IdempotencyKey: newKey(), IP: "192.0.2.1", UserAgent: "test"})
	if err != nil {
		e.t.Fatalf("order: %v", err)
	}
	return c
}

// setDay moves the clock to 10:00 Amsterdam time on d.
func (e *env) setDay(d terms.Date) {
	e.clk.Set(time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, time.UTC))
}

func (e *env) runJobs() {
	e.t.Helper()
	for _, svc := range []*Service{e.cp, e.fo} {
		if err := svc.RunDue(e.ctx, e.clk.Now()); err != nil {
			e.t.Fatalf("jobs on %s: %v", e.clk.Now(), err)
		}
	}
}

func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM ` + table
	if where != "" {
		q += ` WHERE ` + where
	}
	if err := e.db.QueryRowContext(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) sub(id int64) Subscription {
	e.t.Helper()
	s, err := getSub(e.ctx, e.db, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func fieldErr(t *testing.T, err error, field string) {
	t.Helper()
	var fe accounts.FieldErrors
	if !errors.As(err, &fe) || fe[field].IsZero() {
		t.Fatalf("want a field error on %q, got %v", field, err)
	}
}

func d(s string) terms.Date {
	v, err := terms.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}
