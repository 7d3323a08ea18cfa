package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

func TestStaffListsSpanCustomers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		jansen, ju := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		bos, bu := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		// 27 contracts: more than one page.
		version, err := e.con.CurrentTermsVersion(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		vpn := e.plan("vpn", "standard")
		for i := range 26 {
			if _, err := e.con.PlaceOrder(e.ctx, e.customerPrincipal(ju), contracts.OrderInput{OrgID: jansen.ID,
				Lines: []contracts.OrderLine{{PlanID: vpn.ID, Quantity: 1}}, TermsVersion: version, AcceptTerms: true,
				IdempotencyKey: fmt.Sprintf("list-test-%04d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		last := e.order(e.customerPrincipal(bu), "webhosting", "start", "")
		e.sentQuote(jansen.ID, "Offerte Jansen")
		e.sentQuote(bos.ID, "Offerte Bos")
		if _, err := e.con.CreateQuote(e.ctx, e.admin(), contracts.QuoteInput{OrgID: bos.ID, Title: "Concept Bos",
			Lines: []contracts.QuoteLineInput{{Description: "Advies", Quantity: 1, Billing: catalog.OneOff, UnitPrice: 9000}}}); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")

		r := c.get("/staff/contracts")
		c.expect(r, http.StatusOK, "")
		// By keyset (issue 16): 25 newest, then the two oldest after "Oudere".
		contains(t, r.Body, "Slagerij Bos", "Bakkerij Jansen B.V.", `href="/staff/contracts/`+itoa(last.ID)+`"`, "Oudere →")
		lacks(t, r.Body, "page=2", "← Nieuwste", " van 27")
		next := regexp.MustCompile(`href="(/staff/contracts\?before=\d+)" rel="next"`).FindStringSubmatch(r.Body)
		if next == nil {
			t.Fatalf("no link to older contracts:\n%s", r.Body)
		}
		r = c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "← Nieuwste")
		lacks(t, r.Body, `href="/staff/contracts/`+itoa(last.ID)+`"`, "Oudere →")
		if n := strings.Count(r.Body, `href="/staff/contracts/`); n != 2 {
			t.Fatalf("second page shows %d contracts, want 2", n)
		}
		r = c.get("/staff/contracts?customer=" + itoa(bos.ID))
		contains(t, r.Body, "Slagerij Bos")
		lacks(t, r.Body, "Bakkerij Jansen B.V.")
		contains(t, c.get("/staff/contracts?customer=999999").Body, "Geen contracten gevonden")

		r = c.get("/staff/quotes")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Offerte Jansen", "Offerte Bos", "Concept Bos", "Bakkerij Jansen B.V.", "Slagerij Bos")
		lacks(t, r.Body, "Oudere →")
		r = c.get("/staff/quotes?customer=" + itoa(bos.ID) + "&status=draft")
		contains(t, r.Body, "Concept Bos")
		lacks(t, r.Body, "Offerte Bos", "Offerte Jansen")

		// The customer sees its own, without drafts.
		cc := e.client()
		cc.login("gert@slagerijbos.test", "", "/portal/")
		r = cc.get("/portal/quotes")
		contains(t, r.Body, "Offerte Bos")
		lacks(t, r.Body, "Concept Bos", "Offerte Jansen")
		r = cc.get("/portal/contracts")
		contains(t, r.Body, "/portal/contracts/"+itoa(last.ID))
		lacks(t, r.Body, "Oudere →", "Bakkerij Jansen B.V.")
	})
}

func TestStaffTermsPriceIncreaseForceMajeureLists(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		e.order(e.customerPrincipal(u), "webhosting", "pro", "")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")

		contains(t, c.get("/staff/terms").Body, "Er zijn nog geen versies gepubliceerd.")
		if _, err := e.con.PublishTermsVersion(e.ctx, e.admin(), contracts.TermsVersionInput{Version: "2026.7", Effective: e.srv.today().AddDays(120),
			Summary: "Nieuwe privacyparagraaf"}); err != nil {
			t.Fatal(err)
		}
		contains(t, c.get("/staff/terms").Body, "Gepubliceerde versies", ">2026.7</td>", "Nieuwe privacyparagraaf")

		contains(t, c.get("/staff/price-increases").Body, "Er zijn nog geen prijsverhogingen aangekondigd.")
		pro := e.plan("webhosting", "pro")
		if _, err := e.con.SchedulePriceIncrease(e.ctx, e.admin(), contracts.PriceIncreaseInput{PlanID: pro.ID, NewPrice: pro.Price + 100,
			Effective: e.srv.today().AddDays(120)}); err != nil {
			t.Fatal(err)
		}
		r := c.get("/staff/price-increases")
		contains(t, r.Body, "Aangekondigde prijsverhogingen", pro.Label(), "0 van 1 aangekondigd")

		// Force majeure: each open period has its own "end" action; no number to type.
		f1, err := e.con.RecordForceMajeure(e.ctx, e.admin(), e.srv.today().AddDays(-10), "Brand in datacenter")
		if err != nil {
			t.Fatal(err)
		}
		f2, err := e.con.RecordForceMajeure(e.ctx, e.admin(), e.srv.today().AddDays(-3), "Stroomstoring")
		if err != nil {
			t.Fatal(err)
		}
		r = c.get("/staff/force-majeure")
		contains(t, r.Body, "Vastgelegde overmacht", "Brand in datacenter", "Stroomstoring", `name="fm_id" value="`+itoa(f1.ID)+`"`,
			`name="fm_id" value="`+itoa(f2.ID)+`"`)
		lacks(t, r.Body, `name="fm_id" type="number"`, `id="fm_id"`)
		if n := strings.Count(r.Body, "Duurt voort"); n != 2 {
			t.Fatalf("%d open periods shown, want 2", n)
		}
		// An end before the start is refused with a message naming the period.
		r = c.post("/staff/force-majeure/end", url.Values{"fm_id": {itoa(f2.ID)}, "ended_on": {e.srv.today().AddDays(-5).String()}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "Overmacht "+itoa(f2.ID)+":")
		c.expect(c.post("/staff/force-majeure/end", url.Values{"fm_id": {itoa(f1.ID)}, "ended_on": {e.srv.today().AddDays(-1).String()}}),
			http.StatusSeeOther, "/staff/force-majeure")
		r = c.get("/staff/force-majeure")
		if n := strings.Count(r.Body, "Duurt voort"); n != 1 {
			t.Fatalf("%d open periods after ending one, want 1", n)
		}
		lacks(t, r.Body, `name="fm_id" value="`+itoa(f1.ID)+`"`)
		contains(t, r.Body, `name="fm_id" value="`+itoa(f2.ID)+`"`, (&page{Lang: "nl"}).Date(e.srv.today().AddDays(-1)))

		// The customer page offers refusing or lifting the refusal, whichever applies.
		cust := "/staff/customers/" + itoa(org.ID)
		r = c.get(cust)
		contains(t, r.Body, `href="`+cust+`/refuse"`)
		lacks(t, r.Body, `href="`+cust+`/unrefuse"`, "Geweigerd")
		if err := e.con.RefuseCustomer(e.ctx, e.admin(), org.ID, "Wanbetaling"); err != nil {
			t.Fatal(err)
		}
		r = c.get(cust)
		contains(t, r.Body, `href="`+cust+`/unrefuse"`, "Geweigerd")
		lacks(t, r.Body, `href="`+cust+`/refuse"`)
	})
}

func TestPortalContractLinksNewTerms(t *testing.T) {
	// cloudprovider: a customer who does not accept new terms may end the contract as of
	// the day they take effect (cp.av.18.3).
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		cpage := "/portal/contracts/" + itoa(con.ID)
		lacks(t, c.get(cpage).Body, "Nieuwe voorwaarden")
		tv, err := e.con.PublishTermsVersion(e.ctx, e.admin(), contracts.TermsVersionInput{Version: "2026.7", Effective: e.srv.today().AddDays(120)})
		if err != nil {
			t.Fatal(err)
		}
		r := c.get(cpage)
		link := "/portal/subscriptions/" + itoa(con.Subscriptions[0].ID) + "/cancel?basis=terms-change&amp;basis_id=" + itoa(tv.ID)
		contains(t, r.Body, "Nieuwe voorwaarden", "Versie 2026.7", `href="`+link+`"`)
		lacks(t, r.Body, "/object")
		r = c.get(strings.ReplaceAll(link, "&amp;", "&"))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, (&page{Lang: "nl"}).Date(tv.TerminationAsOf))
		// A read-only user is told, but offered nothing.
		ro, err := e.acc.CreateUser(e.ctx, e.customerPrincipal(u), accounts.UserInput{OrgID: org.ID, Email: "lezer@jansen.test", Name: "Lezer",
			Language: "nl", Password: testPW, Permissions: []accounts.Permission{accounts.PermReadOnly}})
		if err != nil {
			t.Fatal(err)
		}
		if ro.ID == 0 {
			t.Fatal("no read-only user")
		}
		rc := e.client()
		rc.login("lezer@jansen.test", "", "/portal/")
		r = rc.get(cpage)
		contains(t, r.Body, "Nieuwe voorwaarden")
		lacks(t, r.Body, "basis=terms-change")
		// Once in force, the notice goes.
		e.clk.Set(time.Date(tv.EffectiveOn.Year(), tv.EffectiveOn.Month(), tv.EffectiveOn.Day(), 10, 0, 0, 0, time.UTC))
		later := e.client()
		later.login("marieke@jansen.test", "", "/portal/")
		r = later.get(cpage)
		c.expect(r, http.StatusOK, "")
		lacks(t, r.Body, "Nieuwe voorwaarden")
	})
	// 5online: the customer objects in writing within the period (fo.av.22.3).
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvPack(t, db, Config{Demo: true, ProviderName: "5online", BaseURL: "https://portal.example"}, "5online")
		if err := catalog.SeedDemo(e.ctx, e.cat, "5online"); err != nil {
			t.Fatal(err)
		}
		org, u := e.customer("Studio Vijf BV", "info@studiovijf.test")
		pl, err := e.cat.PlanByCode(e.ctx, "5online", "hosting", "basic")
		if err != nil {
			t.Fatal(err)
		}
		version, err := e.con.CurrentTermsVersion(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		con, err := e.con.PlaceOrder(e.ctx, e.customerPrincipal(u), contracts.OrderInput{OrgID: org.ID,
			Lines: []contracts.OrderLine{{PlanID: pl.ID, Quantity: 1}}, TermsVersion: version, AcceptTerms: true, IdempotencyKey: "fo-terms-link-1"})
		if err != nil {
			t.Fatal(err)
		}
		tv, err := e.con.PublishTermsVersion(e.ctx, e.admin(), contracts.TermsVersionInput{Version: "5online-2", Effective: e.srv.today().AddDays(60)})
		if err != nil {
			t.Fatal(err)
		}
		if tv.ObjectionBy.IsZero() {
			t.Fatal("5online's terms give no objection period")
		}
		c := e.client()
		c.login("info@studiovijf.test", "", "/portal/")
		r := c.get("/portal/contracts/" + itoa(con.ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Nieuwe voorwaarden", `href="/portal/terms/`+itoa(tv.ID)+`/object"`, (&page{Lang: "nl"}).Date(tv.ObjectionBy))
		lacks(t, r.Body, "basis=terms-change")
		c.expect(c.get("/portal/terms/"+itoa(tv.ID)+"/object"), http.StatusOK, "")
	}, schemas...)
}
