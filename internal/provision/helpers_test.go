package provision

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
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/provisiontest"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	support  = accounts.Principal{User: accounts.User{ID: 2, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	salesP   = accounts.Principal{User: accounts.User{ID: 3, Email: "sales@provider.test", Roles: []accounts.Role{accounts.RoleSales}}}
	abuseP   = accounts.Principal{User: accounts.User{ID: 4, Email: "abuse@provider.test", Roles: []accounts.Role{accounts.RoleAbuse}}}
	t0       = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	keySeq   sync.Mutex
	keyCount int
)

// customers stands in for the accounts service: a customer sees only itself.
type customers struct {
	mu   sync.Mutex
	orgs map[int64]accounts.Organisation
}

func (f *customers) GetOrganisation(_ context.Context, by accounts.Principal, id int64) (accounts.Organisation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orgs[id]
	if !ok || (!by.IsStaff() && by.User.OrgID != id) {
		return accounts.Organisation{}, accounts.ErrNotFound
	}
	return o, nil
}

// placements records the monitor placements that were asked for.
type placements struct {
	mu   sync.Mutex
	got  map[[2]int64]int // (subscription, monitor server) → calls
	fail bool
}

func (p *placements) Place(_ context.Context, by accounts.Principal, subID, orgID, serverID int64) error {
	if err := by.Check(accounts.MonitorManage, accounts.Provider); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return errors.New("monitor down")
	}
	p.got[[2]int64{subID, serverID}]++
	return nil
}

func (p *placements) count(subID, serverID int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got[[2]int64{subID, serverID}]
}

type env struct {
	t       *testing.T
	ctx     context.Context
	db      *store.DB
	clk     *clock.Fake
	cat     *catalog.Service
	con     *contracts.Service
	svc     *Service
	kit     *provisiontest.Kit
	mon     *placements
	custs   *customers
	nextOrg int64
}

func each(t *testing.T, set Settings, fn func(t *testing.T, e *env)) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		e := &env{t: t, ctx: ctx, db: db, clk: clk, cat: catalog.New(db, clk), kit: provisiontest.New(),
			mon: &placements{got: map[[2]int64]int{}}, custs: &customers{orgs: map[int64]accounts.Organisation{}}, nextOrg: 100}
		if err := catalog.SeedDemo(ctx, e.cat, "cloudprovider"); err != nil {
			t.Fatal(err)
		}
		pk, err := terms.LoadPack("cloudprovider")
		if err != nil {
			t.Fatal(err)
		}
		e.svc = New(db, clk, Deps{Keys: secrets.Ephemeral(), Plans: e.cat, Monitor: e.mon, Settings: set,
			Types: []driver.Type{e.kit.Type("test", driver.KindWebhosting, driver.KindEmail, driver.KindVPN)}})
		e.con = contracts.New(db, clk, contracts.Deps{Pack: pk, Plans: e.cat, Customers: e.custs, Provisioner: e.svc, BaseURL: "https://portal.example/"})
		e.svc.SetDeletions(e.con)
		fn(t, e)
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
	}, audit.Schema, notify.Schema, catalog.Schema, contracts.Schema, Schema)
}

// org makes a business customer and returns its admin user.
func (e *env) org(name string) accounts.Principal {
	e.nextOrg++
	id := e.nextOrg
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@customer.test"
	o := accounts.Organisation{ID: id, Kind: accounts.Business, LegalName: name, Email: email, Language: "en",
		PostalAddress: accounts.Address{Street: "Straat 1", PostalCode: "1234 AB", City: "Amsterdam", Country: "NL"}}
	e.custs.mu.Lock()
	e.custs.orgs[id] = o
	e.custs.mu.Unlock()
	return accounts.Principal{User: accounts.User{ID: 1000 + id, OrgID: id, OrgAdmin: true, Email: email}, Org: &o}
}

func (e *env) plan(product, code string) catalog.Plan {
	e.t.Helper()
	p, err := e.cat.PlanByCode(e.ctx, "cloudprovider", product, code)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// order places an order of one plan and returns its subscription.
func (e *env) order(by accounts.Principal, product, code string) contracts.Subscription {
	e.t.Helper()
	v, err := e.con.CurrentTermsVersion(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	keySeq.Lock()
	keyCount++
	key := fmt.Sprintf("provision-key-%06d", keyCount)
	keySeq.Unlock()
	c, err := e.con.PlaceOrder(e.ctx, by, contracts.OrderInput{OrgID: by.User.OrgID, TermsVersion: v, AcceptTerms: true, IdempotencyKey: key,
		IP: "192.0.2.1", UserAgent: "test", Lines: []contracts.OrderLine{{PlanID: e.plan(product, code).ID, Quantity: 1, Domain: "example.nl"}}})
	if err != nil {
		e.t.Fatalf("order: %v", err)
	}
	return c.Subscriptions[0]
}

// server registers a server of the test type.
func (e *env) server(name string, capacity int) Server {
	e.t.Helper()
	r, err := e.svc.RegisterServer(e.ctx, support, ServerInput{Name: name, Type: "test", Endpoint: "https://" + name + ".provider.test:8443",
		Location: "AMS", Capacity: capacity, Credentials: map[string]string{"token": "tok-" + name}, MonitorServerID: 9})
	if err != nil {
		e.t.Fatalf("register %s: %v", name, err)
	}
	return r.Server
}

func (e *env) run() {
	e.t.Helper()
	if err := e.svc.Run(e.ctx, e.clk.Now()); err != nil {
		e.t.Fatalf("run: %v", err)
	}
}

// of returns the service of a subscription as staff see it.
func (e *env) of(sub contracts.Subscription) ServiceView {
	e.t.Helper()
	v, err := e.svc.ServiceOf(e.ctx, support, sub.ID)
	if err != nil {
		e.t.Fatalf("service of %d: %v", sub.ID, err)
	}
	return v
}

func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// hold places (or lifts) a dunning hold as dunning does and lets contracts tell the
// provisioning layer.
func (e *env) hold(orgID int64, ref string, on bool) {
	e.t.Helper()
	err := e.db.InTx(e.ctx, func(q store.Querier) error {
		var err error
		if on {
			_, err = e.con.Suspend(e.ctx, q, orgID, ref, nil)
		} else {
			_, err = e.con.Unsuspend(e.ctx, q, orgID, ref)
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.con.SyncSuspensions(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}
