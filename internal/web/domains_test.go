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

// The order form of a domain plan: a name the registry holds for someone else is
// refused at the order without a transfer code and accepted as a transfer in with
// one; the domain page then says the transfer is under way. The code never comes back
// in a page or the log (issue 14).
func TestDomainOrderTransferIn(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		if _, err := e.doms.SaveConnection(e.ctx, e.admin(), domains.ConnectionInput{TLD: "nl", Address: "127.0.0.1:700", Username: "hostpact", Enabled: true}); err != nil {
			t.Fatal(err)
		}
		const code = "GEHEIM-7Q2X9"
		e.dreg.Hold("bakkerij-oud.nl", "elders", code)
		org, u := e.customer("Bakkerij Jansen", "marieke@bakkerij.test")
		plan, err := e.cat.PlanByCode(e.ctx, "cloudprovider", "domains", "nl")
		if err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.login(u.Email, "", "/portal/")
		path := "/portal/order/" + itoa(plan.ID)
		r := c.get(path)
		c.expect(r, 200, "")
		contains(t, r.Body, `name="auth_code"`, "Verhuiscode (als deze domeinnaam al van u is bij een andere aanbieder)")
		form := url.Values{"idempotency_key": {hidden(r.Body, "idempotency_key")}, "terms_version": {hidden(r.Body, "terms_version")},
			"domain": {"bakkerij-oud.nl"}, "accept_terms": {"1"}}

		// Without a code: refused at the domain field, nothing ordered.
		r = c.post(path, form)
		c.expect(r, 422, "")
		fieldError(t, r.Body, "domain")
		contains(t, r.Body, "De naam bakkerij-oud.nl is al geregistreerd")
		if n := contractCount(e, org.ID); n != 0 {
			t.Fatalf("%d contracts for a taken name", n)
		}
		// A code without a valid name: the field says so and the code is not shown back.
		r = c.post(path, with(form, "domain", "niet geldig", "auth_code", code))
		c.expect(r, 422, "")
		fieldError(t, r.Body, "domain")
		lacks(t, r.Body, code)

		// With the code: a transfer in.
		r = c.post(path, with(form, "auth_code", code))
		c.expect(r, 303, "")
		list, _, err := e.doms.List(e.ctx, e.admin(), domains.Filter{Search: "bakkerij-oud.nl"}, 0, 1)
		if err != nil || len(list) != 1 {
			t.Fatalf("domain: %v %v", list, err)
		}
		d := list[0]
		if d.Mode != domains.ModeTransfer || d.State != domains.StatePendingTransfer || d.OrgID != org.ID {
			t.Fatalf("not a transfer in: %+v", d)
		}
		r = c.get("/portal/domains/" + itoa(d.ID))
		c.expect(r, 200, "")
		contains(t, r.Body, "De verhuizing naar ons loopt bij de registry.")
		lacks(t, r.Body, code)
		if strings.Contains(e.log.String(), code) {
			t.Fatal("the transfer code reached the log")
		}
		// The registry step takes the name over with the code given at the order.
		if err := e.doms.Run(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if got, ok := e.dreg.Lookup("bakkerij-oud.nl"); !ok || e.dreg.Count("domain:transfer") != 1 {
			t.Fatalf("registry after the transfer: %+v %v", got, ok)
		}
	})
}

// A cancelled domain is withdrawn from its cancellation before the end date, by the
// customer in the portal and by staff: the contract page offers it, a confirmation
// page asks, and the registry's scheduled delete is withdrawn afterwards. Another
// customer's subscription id is not found.
func TestCancelWithdrawDomain(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, u := e.customer("Bakkerij Jansen", "marieke@bakkerij.test")
		other, ou := e.customer("Concurrent BV", "piet@concurrent.test")
		d := e.domainOrder(org, u, "bakkerij-jansen.nl")
		od := e.domainOrder(other, ou, "concurrent.nl")
		cancelAndRun := func(subID int64, by accounts.Principal) {
			t.Helper()
			if _, err := e.con.ConfirmCancellation(e.ctx, by, subID, contracts.CancelInput{}); err != nil {
				t.Fatal(err)
			}
			if err := e.doms.Run(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		cancelAndRun(d.SubscriptionID, e.customerPrincipal(u))
		cancelAndRun(od.SubscriptionID, e.customerPrincipal(ou))
		if got, _ := e.dreg.Lookup("bakkerij-jansen.nl"); got.State != registry.StateScheduledDelete {
			t.Fatalf("registry after the cancellation: %+v", got)
		}
		sub, err := e.con.GetSubscription(e.ctx, e.admin(), d.SubscriptionID)
		if err != nil {
			t.Fatal(err)
		}

		c := e.client()
		c.login(u.Email, "", "/portal/")
		r := c.get("/portal/contracts/" + itoa(sub.ContractID))
		c.expect(r, 200, "")
		path := "/portal/subscriptions/" + itoa(sub.ID) + "/uncancel"
		contains(t, r.Body, `href="`+path+`"`, "Opzegging intrekken")
		// Tenant isolation: another customer's subscription is not found.
		c.expect(c.get("/portal/subscriptions/"+itoa(od.SubscriptionID)+"/uncancel"), 404, "")
		r = c.get(path)
		c.expect(r, 200, "")
		contains(t, r.Body, "De opzegging van", "de aanbieder staat het toe")
		c.expect(c.post("/portal/subscriptions/"+itoa(od.SubscriptionID)+"/uncancel", url.Values{}), 404, "")
		r = c.post(path, url.Values{})
		c.expect(r, 303, "/portal/contracts/"+itoa(sub.ContractID))
		if got, _ := e.con.GetSubscription(e.ctx, e.admin(), sub.ID); !got.EndsOn.IsZero() {
			t.Fatalf("still ends on %s", got.EndsOn)
		}
		// Twice: nothing left to withdraw.
		c.expect(c.get(path), 409, "")
		if err := e.doms.Run(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.dreg.Lookup("bakkerij-jansen.nl"); got.State != registry.StateActive || e.dreg.Count("domain:cancel-delete") != 1 {
			t.Fatalf("registry after the withdrawal: %+v, %d cancel-deletes", got, e.dreg.Count("domain:cancel-delete"))
		}

		// Staff withdraw the other customer's cancellation on request.
		s := e.client()
		staff := e.staff("support@provider.test", accounts.RoleSupport)
		s.login(staff.Email, staffSecret, "/staff/")
		spath := "/staff/subscriptions/" + itoa(od.SubscriptionID) + "/uncancel"
		r = s.get(spath)
		s.expect(r, 200, "")
		r = s.post(spath, url.Values{})
		s.expect(r, 303, "")
		if err := e.doms.Run(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.dreg.Lookup("concurrent.nl"); got.State != registry.StateActive || e.dreg.Count("domain:cancel-delete") != 2 {
			t.Fatalf("registry after the staff withdrawal: %+v", got)
		}
	})
}
