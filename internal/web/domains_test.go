package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/domains"
	"github.com/hostpact/hostpact/internal/domains/domainstest"
	"github.com/hostpact/hostpact/internal/domains/registry"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// domainServices is the domains service of the page tests on an in-memory registry;
// contracts hands it domain plans and asks it about names at order.
func domainServices(db *store.DB, clk clock.Clock, keys *secrets.Keyring, acc *accounts.Service, con *contracts.Service, pack *terms.Pack) (*domainstest.Registry, *domains.Service) {
	reg := domainstest.New(clk)
	doms := domains.New(db, clk, domains.Deps{Keys: keys, Customers: acc, Subscriptions: con, Pack: pack, BaseURL: "https://portal.example/",
		Dial: func(_ context.Context, c domains.Connection) (registry.Registry, error) {
			return reg.Conn(c.Username), nil
		}})
	con.UseProvisioner(contracts.ByKind{Kinds: map[catalog.Kind]contracts.Provisioner{catalog.KindDomain: doms}})
	con.UseDomainNames(doms)
	return reg, doms
}

// domainOrder connects .nl, orders name for the customer and runs the registry steps.
func (e *env) domainOrder(org accounts.Organisation, u accounts.User, name string) domains.Domain {
	e.t.Helper()
	if _, err := e.doms.SaveConnection(e.ctx, e.admin(), domains.ConnectionInput{TLD: "nl", Address: "127.0.0.1:700", Username: "hostpact", Enabled: true}); err != nil {
		e.t.Fatal(err)
	}
	plan, err := e.cat.PlanByCode(e.ctx, "cloudprovider", "domains", "nl")
	if err != nil {
		e.t.Fatal(err)
	}
	v, _ := e.con.CurrentTermsVersion(e.ctx)
	p := e.customerPrincipal(u)
	if _, err := e.con.PlaceOrder(e.ctx, p, contracts.OrderInput{OrgID: org.ID, TermsVersion: v, AcceptTerms: true, IdempotencyKey: "dom-" + strings.ReplaceAll(name, ".", "-") + "-key",
		Lines: []contracts.OrderLine{{PlanID: plan.ID, Quantity: 1, Domain: name}}}); err != nil {
		e.t.Fatalf("order %s: %v", name, err)
	}
	if err := e.doms.Run(e.ctx, e.clk.Now()); err != nil {
		e.t.Fatal(err)
	}
	list, _, err := e.doms.List(e.ctx, e.admin(), domains.Filter{Search: name}, 0, 1)
	if err != nil || len(list) != 1 {
		e.t.Fatalf("domain %s: %v %v", name, list, err)
	}
	return list[0]
}

// The portal shows a customer's domain in plain words and hands out its transfer
// token; another customer's domain id is not found; staff see the registry's view.
func TestDomainPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, u := e.customer("Bakkerij Jansen", "marieke@bakkerij.test")
		other, ou := e.customer("Concurrent BV", "piet@concurrent.test")
		d := e.domainOrder(org, u, "bakkerij-jansen.nl")
		od := e.domainOrder(other, ou, "concurrent.nl")
		if d.State != domains.StateActive {
			t.Fatalf("not active: %+v", d)
		}

		c := e.client()
		c.login(u.Email, "", "/portal/")
		r := c.get("/portal/domains")
		c.expect(r, 200, "")
		contains(t, r.Body, "bakkerij-jansen.nl")
		lacks(t, r.Body, "concurrent.nl")
		r = c.get("/portal/domains/" + itoa(d.ID))
		c.expect(r, 200, "")
		contains(t, r.Body, "staat op uw naam", "Verhuiscode ophalen")
		r = c.post("/portal/domains/"+itoa(d.ID)+"/token", url.Values{"csrf": {hidden(r.Body, "csrf")}})
		c.expect(r, 200, "")
		contains(t, r.Body, `id="dom-token"`)
		// Tenant isolation: every id route answers 404 for another organisation's domain.
		for _, path := range []string{"/portal/domains/" + itoa(od.ID)} {
			c.expect(c.get(path), 404, "")
		}
		r = c.get("/portal/domains/" + itoa(d.ID))
		c.expect(c.post("/portal/domains/"+itoa(od.ID)+"/token", url.Values{"csrf": {hidden(r.Body, "csrf")}}), 404, "")
		c.expect(c.post("/portal/domains/"+itoa(od.ID)+"/transfer", url.Values{"csrf": {hidden(r.Body, "csrf")}, "auth_code": {"X"}}), 404, "")
		// The availability check before ordering.
		r = c.get("/portal/domains/check?name=concurrent.nl")
		contains(t, r.Body, "concurrent.nl is al geregistreerd")
		r = c.get("/portal/domains/check?name=nog-vrij.nl")
		contains(t, r.Body, "nog-vrij.nl is vrij")

		s := e.client()
		staff := e.staff("support@provider.test", accounts.RoleSupport)
		s.login(staff.Email, staffSecret, "/staff/")
		r = s.get("/staff/domains?state=active")
		s.expect(r, 200, "")
		contains(t, r.Body, "bakkerij-jansen.nl", "concurrent.nl")
		r = s.get("/staff/domains/" + itoa(d.ID))
		s.expect(r, 200, "")
		contains(t, r.Body, "Staat bij de registry", "Registreren")
		s.expect(s.get("/staff/domains/registries"), 200, "")
		s.expect(s.get("/staff/domains/999999"), 404, "")
	})
}
