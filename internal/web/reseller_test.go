package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
)

// resellerOrg creates a business organisation with an admin user (password testPW):
// a reseller when reseller is true, else a customer of resellerID (0: the provider's).
func (e *env) resellerOrg(name, email string, reseller bool, resellerID int64) accounts.Organisation {
	e.t.Helper()
	org, err := e.acc.CreateOrganisation(e.ctx, e.admin(), accounts.OrganisationInput{
		Kind: accounts.Business, LegalName: name, ContactName: "Contact " + name, Email: email, Language: "nl",
		KvK: "12345678", IsReseller: reseller, ResellerID: resellerID,
		PostalAddress: accounts.Address{Street: "Stationsplein 1", PostalCode: "3511 AB", City: "Utrecht", Country: "NL"},
	}, &accounts.UserInput{Email: email, Name: "Admin " + name, Language: "nl", Password: testPW})
	if err != nil {
		e.t.Fatal(err)
	}
	return org
}

func TestResellerManagesOnlyItsOwnCustomers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		res := e.resellerOrg("WebBouwers B.V.", "lotte@webbouwers.test", true, 0)
		mine := e.resellerOrg("Fietsenmaker Pietersen", "henk@pietersen.test", false, res.ID)
		other := e.resellerOrg("Andere Reseller B.V.", "info@andere.test", true, 0)
		theirs := e.resellerOrg("Klant Van Een Ander", "klant@ander.test", false, other.ID)
		direct := e.resellerOrg("Bakkerij Jansen", "marieke@jansen.test", false, 0)

		c := e.client()
		c.login("lotte@webbouwers.test", "", "/portal/")
		r := c.get("/portal/customers")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Fietsenmaker Pietersen", "/portal/customers/"+itoa(mine.ID))
		lacks(t, r.Body, "Klant Van Een Ander", "Bakkerij Jansen", "Andere Reseller")
		contains(t, c.get("/portal/").Body, `href="/portal/customers"`)
		contains(t, c.get("/portal/customers?q=pieters").Body, "Fietsenmaker Pietersen")
		lacks(t, c.get("/portal/customers?q=bakkerij").Body, "Fietsenmaker Pietersen", "Bakkerij Jansen")

		// A new customer with its admin user becomes the reseller's own.
		r = c.post("/portal/customers/new", url.Values{"kind": {"consumer"}, "legal_name": {"Sanne de Boer"},
			"email": {"sanne@deboer.test"}, "language": {"nl"}, "postal_address.street": {"Markt 1"},
			"postal_address.postal_code": {"1234 AB"}, "postal_address.city": {"Gouda"}, "postal_address.country": {"NL"},
			"admin.name": {"Sanne de Boer"}, "admin.email": {"sanne@deboer.test"}, "is_reseller": {"on"}, "reseller_id": {itoa(other.ID)}})
		c.expect(r, http.StatusSeeOther, "")
		var created accounts.Organisation
		if _, err := fmt.Sscanf(r.Location(), "/portal/customers/%d", &created.ID); err != nil {
			t.Fatalf("created at %q", r.Location())
		}
		created, err := e.acc.GetOrganisation(e.ctx, e.admin(), created.ID)
		if err != nil || created.ResellerID != res.ID || created.IsReseller {
			t.Fatalf("created %+v %v: want a customer of the reseller, not a reseller", created, err)
		}
		if u, err := e.acc.FindUserByEmail(e.ctx, "sanne@deboer.test"); err != nil || u.OrgID != created.ID || !u.OrgAdmin {
			t.Fatalf("admin user of the new customer: %+v %v", u, err)
		}

		// Its users: the reseller adds a sub-user to its customer.
		c.expect(c.post("/portal/customers/"+itoa(mine.ID)+"/users/new", url.Values{"name": {"Kees Pietersen"},
			"email": {"kees@pietersen.test"}, "language": {"nl"}, "permissions": {"billing"}}), http.StatusSeeOther, "/portal/customers/"+itoa(mine.ID))
		r = c.get("/portal/customers/" + itoa(mine.ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Kees Pietersen", "henk@pietersen.test")
		kees, err := e.acc.FindUserByEmail(e.ctx, "kees@pietersen.test")
		if err != nil || kees.OrgID != mine.ID {
			t.Fatalf("sub-user: %+v %v", kees, err)
		}
		c.expect(c.get("/portal/users/"+itoa(kees.ID)), http.StatusOK, "")

		// Another reseller's customer, the provider's own customer and another reseller
		// are not found, and nothing of them leaks.
		for _, o := range []accounts.Organisation{theirs, direct, other} {
			id := itoa(o.ID)
			for _, rr := range []resp{c.get("/portal/customers/" + id), c.get("/portal/customers/" + id + "/users/new"),
				c.post("/portal/customers/"+id+"/users/new", url.Values{"name": {"X"}, "email": {"x@x.test"}}),
				c.post("/portal/customers/"+id+"/act", nil)} {
				if rr.Code != http.StatusNotFound {
					t.Errorf("reseller on %s: status %d, want 404", o.LegalName, rr.Code)
				}
				lacks(t, rr.Body, o.LegalName, o.Email)
			}
		}
		if _, err := e.acc.FindUserByEmail(e.ctx, "x@x.test"); err == nil {
			t.Fatal("a user was created for somebody else's customer")
		}

		// The reseller's customer does not see the reseller's pages.
		h := e.client()
		h.login("henk@pietersen.test", "", "/portal/")
		lacks(t, h.get("/portal/").Body, `href="/portal/customers"`)
		for _, path := range []string{"/portal/customers", "/portal/customers/new", "/portal/customers/" + itoa(mine.ID), "/portal/customers/" + itoa(res.ID)} {
			if rr := h.get(path); rr.Code != http.StatusNotFound {
				t.Errorf("customer GET %s: status %d, want 404", path, rr.Code)
			}
		}
		for _, id := range []int64{mine.ID, res.ID} {
			if rr := h.post("/portal/customers/"+itoa(id)+"/act", nil); rr.Code != http.StatusNotFound {
				t.Errorf("customer acts for %d: status %d, want 404", id, rr.Code)
			}
		}
		if rr := h.post("/portal/customers/new", url.Values{"kind": {"business"}, "legal_name": {"Onderklant"}}); rr.Code != http.StatusNotFound {
			t.Errorf("customer creates a customer: status %d, want 404", rr.Code)
		}
	})
}

func TestResellerActsForItsCustomer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		res := e.resellerOrg("WebBouwers B.V.", "lotte@webbouwers.test", true, 0)
		mine := e.resellerOrg("Fietsenmaker Pietersen", "henk@pietersen.test", false, res.ID)
		e.seedCatalog()
		henk, err := e.acc.FindUserByEmail(e.ctx, "henk@pietersen.test")
		if err != nil {
			t.Fatal(err)
		}
		inv := e.invoiced(e.customerPrincipal(henk), "webhosting", "start")
		lotte, err := e.acc.FindUserByEmail(e.ctx, "lotte@webbouwers.test")
		if err != nil {
			t.Fatal(err)
		}

		c := e.client()
		c.login("lotte@webbouwers.test", "", "/portal/")
		lacks(t, c.get("/portal/invoices").Body, inv.Number)
		// The customer's page shows its contracts and invoices.
		contains(t, c.get("/portal/customers/"+itoa(mine.ID)).Body, inv.Number)

		c.expect(c.post("/portal/customers/"+itoa(mine.ID)+"/act", nil), http.StatusSeeOther, "/portal/")
		r := c.get("/portal/invoices")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, inv.Number, "Fietsenmaker Pietersen", `action="/portal/act/stop"`)
		c.expect(c.get("/portal/invoices/"+itoa(inv.ID)), http.StatusOK, "")
		// Acting for one customer reaches no other organisation, nor the reseller's
		// own credentials.
		if rr := c.get("/portal/tokens"); rr.Code != http.StatusForbidden && rr.Code != http.StatusNotFound {
			t.Errorf("tokens while acting: status %d, want 403 or 404", rr.Code)
		}

		// A change made while acting: the trail names the reseller's user and the customer.
		c.expect(c.post("/portal/users/new", url.Values{"name": {"Kees Pietersen"}, "email": {"kees@pietersen.test"},
			"language": {"nl"}, "permissions": {"read"}}), http.StatusSeeOther, "")
		entries, err := e.acc.AuditTrail(e.ctx, e.admin(), audit.Filter{OrgID: mine.ID, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		kees, err := e.acc.FindUserByEmail(e.ctx, "kees@pietersen.test")
		if err != nil || kees.OrgID != mine.ID {
			t.Fatalf("user made while acting: %+v %v", kees, err)
		}
		seen := map[string]bool{}
		for _, en := range entries {
			if en.Action == "reseller.act_start" || en.Action == "user.create" && en.ObjectID == itoa(kees.ID) {
				seen[en.Action] = true
				if en.Actor.ID != lotte.ID || en.Actor.OnBehalfOf != mine.ID || en.Actor.OnBehalfOfLabel != "Fietsenmaker Pietersen" {
					t.Errorf("%s: actor %+v, want the reseller's user on behalf of the customer", en.Action, en.Actor)
				}
			}
		}
		if !seen["reseller.act_start"] || !seen["user.create"] {
			t.Fatalf("audit entries: %v", seen)
		}
		if _, problems, err := audit.Verify(e.ctx, e.db); err != nil || len(problems) > 0 {
			t.Fatalf("audit chain: %+v %v", problems, err)
		}
		// The customer reads in its activity who did it, for whom.
		hc := e.client()
		hc.login("henk@pietersen.test", "", "/portal/")
		contains(t, hc.get("/portal/activity").Body, "lotte@webbouwers.test namens Fietsenmaker Pietersen")

		// Stopping returns to the reseller's own portal.
		c.expect(c.post("/portal/act/stop", nil), http.StatusSeeOther, "/portal/customers/"+itoa(mine.ID))
		r = c.get("/portal/invoices")
		c.expect(r, http.StatusOK, "")
		lacks(t, r.Body, inv.Number, `action="/portal/act/stop"`)
		if !strings.Contains(c.get("/portal/customers").Body, "Fietsenmaker Pietersen") {
			t.Fatal("the reseller's customer list after stopping")
		}

		// A customer taken away from the reseller ends the mode at the next request.
		c.expect(c.post("/portal/customers/"+itoa(mine.ID)+"/act", nil), http.StatusSeeOther, "/portal/")
		in := accounts.OrganisationInput{Kind: mine.Kind, LegalName: mine.LegalName, ContactName: mine.ContactName, Email: mine.Email,
			Language: mine.Language, PostalAddress: mine.PostalAddress, BillingAddress: mine.BillingAddress, KvK: mine.KvK}
		if _, err := e.acc.UpdateOrganisation(e.ctx, e.admin(), mine.ID, in); err != nil {
			t.Fatal(err)
		}
		lacks(t, c.get("/portal/invoices").Body, inv.Number)
	})
}
