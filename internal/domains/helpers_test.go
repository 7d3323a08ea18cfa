package domains

import (
	"context"
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
	"github.com/hostpact/hostpact/internal/domains/domainstest"
	"github.com/hostpact/hostpact/internal/domains/epp/sidnfake"
	"github.com/hostpact/hostpact/internal/domains/registry"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	support = accounts.Principal{User: accounts.User{ID: 2, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	t0      = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	keyMu   sync.Mutex
	keyN    int
)

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

// zones records what the ZoneKeeper was told.
type zones struct {
	mu  sync.Mutex
	got []string
}

func (z *zones) DomainActive(_ context.Context, _ int64, name string) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.got = append(z.got, "active "+name)
	return nil
}

func (z *zones) DomainGone(_ context.Context, _ int64, name string) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.got = append(z.got, "gone "+name)
	return nil
}

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clk   *clock.Fake
	cat   *catalog.Service
	con   *contracts.Service
	svc   *Service
	reg   *domainstest.Registry
	fake  *sidnfake.Registry // overEPP only
	custs *customers
	zones *zones
	next  int64
}

func each(t *testing.T, fn func(t *testing.T, e *env)) { eachOn(t, false, fn) }

// eachOn runs fn with the in-memory registry, or with overEPP the EPP client against
// sidnfake, the in-process .nl registry over TLS on loopback, on the same fake clock.
func eachOn(t *testing.T, overEPP bool, fn func(t *testing.T, e *env)) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		e := &env{t: t, ctx: ctx, db: db, clk: clk, cat: catalog.New(db, clk), reg: domainstest.New(clk),
			custs: &customers{orgs: map[int64]accounts.Organisation{}}, zones: &zones{}, next: 100}
		if err := catalog.SeedDemo(ctx, e.cat, "cloudprovider"); err != nil {
			t.Fatal(err)
		}
		pk, err := terms.LoadPack("cloudprovider")
		if err != nil {
			t.Fatal(err)
		}
		dial := func(_ context.Context, c Connection) (registry.Registry, error) {
			if c.Credentials["password"] != "registrar-pw" {
				return nil, fmt.Errorf("login refused")
			}
			return e.reg.Conn(c.Username), nil
		}
		conn := ConnectionInput{TLD: "nl", Address: "127.0.0.1:700", Username: "hostpact",
			Credentials: map[string]string{"password": "registrar-pw"}, Enabled: true}
		if overEPP {
			fake, addr, ca := sidnfake.StartTB(t, sidnfake.Options{Clock: clk})
			e.fake = fake
			dial = EPPDialer(clk)
			conn = ConnectionInput{TLD: "nl", Address: addr, Username: sidnfake.Us,
				Credentials: map[string]string{"password": sidnfake.UsPassword, "ca_pem": string(ca), "profile": "sidn"}, Enabled: true}
		}
		e.svc = New(db, clk, Deps{Keys: secrets.Ephemeral(), Dial: dial, Customers: e.custs, Pack: pk, Zones: e.zones,
			BaseURL: "https://portal.example/", Provider: "Cloud Provider B.V.", Settings: Settings{Lease: time.Minute}})
		e.con = contracts.New(db, clk, contracts.Deps{Pack: pk, Plans: e.cat, Customers: e.custs, BaseURL: "https://portal.example/",
			Provisioner: contracts.ByKind{Kinds: map[catalog.Kind]contracts.Provisioner{catalog.KindDomain: e.svc}}})
		e.con.UseDomainNames(e.svc)
		e.svc.SetSubscriptions(e.con)
		if _, err := e.svc.SaveConnection(ctx, support, conn); err != nil {
			t.Fatal(err)
		}
		fn(t, e)
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
	}, audit.Schema, notify.Schema, catalog.Schema, contracts.Schema, Schema)
}

func (e *env) org(name string) accounts.Principal {
	e.next++
	id := e.next
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@customer.test"
	o := accounts.Organisation{ID: id, Kind: accounts.Business, LegalName: name, ContactName: "Anna de Vries", Email: email, Language: "en",
		Phone: "+31.201234567", PostalAddress: accounts.Address{Street: "Straat 1", PostalCode: "1234 AB", City: "Amsterdam", Country: "NL"}}
	e.custs.mu.Lock()
	e.custs.orgs[id] = o
	e.custs.mu.Unlock()
	return accounts.Principal{User: accounts.User{ID: 1000 + id, OrgID: id, OrgAdmin: true, Email: email}, Org: &o}
}

// order orders the .nl plan for name.
func (e *env) order(by accounts.Principal, name string) (contracts.Contract, error) {
	e.t.Helper()
	v, err := e.con.CurrentTermsVersion(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	plan, err := e.cat.PlanByCode(e.ctx, "cloudprovider", "domains", "nl")
	if err != nil {
		e.t.Fatal(err)
	}
	keyMu.Lock()
	keyN++
	key := fmt.Sprintf("domains-key-%06d", keyN)
	keyMu.Unlock()
	return e.con.PlaceOrder(e.ctx, by, contracts.OrderInput{OrgID: by.User.OrgID, TermsVersion: v, AcceptTerms: true, IdempotencyKey: key,
		IP: "192.0.2.1", UserAgent: "test", Lines: []contracts.OrderLine{{PlanID: plan.ID, Quantity: 1, Domain: name}}})
}

func (e *env) mustOrder(by accounts.Principal, name string) contracts.Subscription {
	e.t.Helper()
	c, err := e.order(by, name)
	if err != nil {
		e.t.Fatalf("order %s: %v", name, err)
	}
	return c.Subscriptions[0]
}

func (e *env) run() {
	e.t.Helper()
	if err := e.svc.Run(e.ctx, e.clk.Now()); err != nil {
		e.t.Fatalf("run: %v", err)
	}
}

func (e *env) domainOf(sub contracts.Subscription) Domain {
	e.t.Helper()
	d, err := getDomain(e.ctx, e.db, `WHERE subscription_id = $1`, sub.ID)
	if err != nil {
		e.t.Fatalf("domain of %d: %v", sub.ID, err)
	}
	return d
}

func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
