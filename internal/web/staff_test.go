package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

func validCustomer() url.Values {
	return url.Values{
		"kind": {"business"}, "legal_name": {"Drukkerij De Vries B.V."}, "contact_name": {"Els de Vries"},
		"email": {"info@drukkerijdevries.test"}, "phone": {"+31 30 123 4567"}, "language": {"nl"},
		"postal_address.street": {"Oudegracht 12"}, "postal_address.postal_code": {"3511 AR"},
		"postal_address.city": {"Utrecht"}, "postal_address.country": {"NL"},
		"kvk": {"87654321"}, "vat_id": {"NL004495445B01"},
		"admin.name": {"Els de Vries"}, "admin.email": {"els@drukkerijdevries.test"},
	}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func TestStaffCustomerLifecycle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")

		r := c.get("/staff/customers")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Er zijn nog geen klanten.")

		r = c.get("/staff/customers/new")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `name="postal_address.postal_code"`, `name="billing_address.city"`, `name="kvk"`, `name="vat_id"`,
			`name="is_reseller"`, `name="reseller_id"`, `name="admin.email"`, `<label for="f-legal-name">`)

		r = c.post("/staff/customers/new", validCustomer())
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		if !regexp.MustCompile(`^/staff/customers/\d+$`).MatchString(loc) {
			t.Fatalf("redirect to %q", loc)
		}
		r = c.get(loc)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "De klant is aangemaakt.", "Drukkerij De Vries B.V.", "els@drukkerijdevries.test", "NL004495445B01", "customer.create")

		// Edit keeps what is there and saves a change.
		r = c.get(loc + "/edit")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `value="Drukkerij De Vries B.V."`, `value="87654321"`)
		form := validCustomer()
		form.Del("admin.name")
		form.Del("admin.email")
		form.Set("phone", "+31 30 765 4321")
		c.expect(c.post(loc+"/edit", form), http.StatusSeeOther, loc)
		contains(t, c.get(loc).Body, "30 765 4321", "De wijzigingen zijn opgeslagen.")

		// Search, kind filter and an empty result.
		r = c.get("/staff/customers?q=drukkerij")
		contains(t, r.Body, "Drukkerij De Vries B.V.")
		r = c.get("/staff/customers?kind=consumer")
		contains(t, r.Body, "Geen klanten gevonden", "Filters wissen")
		lacks(t, r.Body, "Drukkerij De Vries B.V.")

		// Disabling asks first.
		r = c.get(loc + "/disable")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Weet je zeker dat je Drukkerij De Vries B.V. wilt blokkeren?", `action="`+loc+`/disable"`)
		c.expect(c.post(loc+"/disable", nil), http.StatusSeeOther, loc)
		r = c.get(loc)
		contains(t, r.Body, "De klant is geblokkeerd.", "Geblokkeerd", loc+"/enable")
		c.expect(c.get(loc+"/enable"), http.StatusOK, "")
		c.expect(c.post(loc+"/enable", nil), http.StatusSeeOther, loc)
		contains(t, c.get(loc).Body, "De klant is gedeblokkeerd.")

		c.expect(c.get("/staff/customers/999999"), http.StatusNotFound, "")
		c.expect(c.get("/staff/customers/abc"), http.StatusNotFound, "")
	})
}

func TestStaffCustomerListPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		for i := range 30 {
			_, err := e.acc.CreateOrganisation(e.ctx, e.admin(), accounts.OrganisationInput{
				Kind: accounts.Consumer, LegalName: fmt.Sprintf("Klant %02d", i), Email: fmt.Sprintf("k%d@example.test", i), Language: "nl",
				PostalAddress: accounts.Address{Street: "Dorpsstraat 1", PostalCode: "1234 AB", City: "Ergens", Country: "NL"},
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
		}
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		// By keyset: "next" carries the last customer shown, in name order.
		r := c.get("/staff/customers?kind=consumer")
		if n := strings.Count(r.Body, `<a href="/staff/customers/`); n != 25 {
			t.Fatalf("page 1 lists %d customers", n)
		}
		contains(t, r.Body, "Klant 00", "Klant 24", "Volgende →")
		lacks(t, r.Body, "Klant 25", "Eerste pagina")
		m := regexp.MustCompile(`href="(/staff/customers\?after=\d+&amp;kind=consumer)" rel="next"`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no next link on page 1:\n%s", r.Body)
		}
		r = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		if n := strings.Count(r.Body, `<a href="/staff/customers/`); n != 5 {
			t.Fatalf("page 2 lists %d customers", n)
		}
		contains(t, r.Body, "Klant 25", "Klant 29", "← Eerste pagina")
		lacks(t, r.Body, `rel="next"`, "Klant 24")

		r = c.get("/staff/")
		contains(t, r.Body, `<span class="stat-num">30</span>`)
	})
}

func TestStaffCustomerBadInput(t *testing.T) {
	cases := []struct {
		name  string
		field string
		form  url.Values
	}{
		{"malformed e-mail", "email", with(validCustomer(), "email", "info@@drukkerij")},
		{"bad VAT id", "vat_id", with(validCustomer(), "vat_id", "NL12345")},
		{"bad postal code", "postal_address.postal_code", with(validCustomer(), "postal_address.postal_code", "35111")},
		{"oversized name", "legal_name", with(validCustomer(), "legal_name", strings.Repeat("x", 5000))},
		{"name over the service limit", "legal_name", with(validCustomer(), "legal_name", strings.Repeat("Drukkerij ", 30))},
		{"malformed admin e-mail", "admin.email", with(validCustomer(), "admin.email", "els at drukkerij")},
		{"reseller id not a number", "reseller_id", with(validCustomer(), "reseller_id", "twaalf")},
	}
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.orgCount()
				r := c.post("/staff/customers/new", tc.form)
				c.expect(r, http.StatusUnprocessableEntity, "")
				fieldError(t, r.Body, tc.field)
				contains(t, r.Body, `class="error-summary"`, `href="#`+fieldID(tc.field)+`"`)
				if tc.field != "legal_name" {
					contains(t, r.Body, `value="Drukkerij De Vries B.V."`) // the rest of the input is kept
				}
				if e.orgCount() != before {
					t.Fatal("a customer was saved despite the error")
				}
				if _, err := e.acc.FindUserByEmail(e.ctx, "els@drukkerijdevries.test"); err == nil {
					t.Fatal("the admin user was saved despite the error")
				}
			})
		}
		// The bad input never shows up in the log.
		lacks(t, e.log.String(), "info@@drukkerij")
	})
}

func TestStaffUsersAndAccess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/users")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "anna@provider.test", "Beheerder")

		r = c.post("/staff/users/new", url.Values{"name": {"Sven Mulder"}, "email": {"sven.provider.test"}, "language": {"nl"}, "roles": {"sales"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "email")
		contains(t, r.Body, `value="Sven Mulder"`, `value="sales" checked`)

		r = c.post("/staff/users/new", url.Values{"name": {"Sven Mulder"}, "email": {"sven@provider.test"}, "language": {"nl"}, "roles": {"sales", "billing"}})
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		r = c.get(loc)
		contains(t, r.Body, "De gebruiker is aangemaakt.", "Sven Mulder", `value="billing" checked`)
		c.expect(c.post(loc+"/access", url.Values{"roles": {"support"}}), http.StatusSeeOther, loc)
		r = c.get(loc)
		contains(t, r.Body, `value="support" checked`)
		lacks(t, r.Body, `value="billing" checked`)

		c.expect(c.get(loc+"/disable"), http.StatusOK, "")
		c.expect(c.post(loc+"/disable", nil), http.StatusSeeOther, loc)
		contains(t, c.get(loc).Body, "De gebruiker is geblokkeerd.")

		// Staff add a user to a customer.
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		base := fmt.Sprintf("/staff/customers/%d", org.ID)
		c.expect(c.get(base+"/users/new"), http.StatusOK, "")
		c.expect(c.post(base+"/users/new", url.Values{"name": {"Piet Jansen"}, "email": {"piet@jansen.test"}, "permissions": {"billing"}}), http.StatusSeeOther, base)
		contains(t, c.get(base).Body, "piet@jansen.test", "Facturen en betalingen")
	})
}

func TestStaffRolesAreEnforcedByTheService(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("bart@provider.test", accounts.RoleBilling)
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("bart@provider.test", staffSecret, "/staff/")
		c.expect(c.get("/staff/"), http.StatusOK, "")
		before := e.orgCount()
		c.expect(c.post("/staff/customers/new", validCustomer()), http.StatusForbidden, "")
		if e.orgCount() != before {
			t.Fatal("billing staff created a customer")
		}
		c.expect(c.post(fmt.Sprintf("/staff/customers/%d/disable", org.ID), nil), http.StatusForbidden, "")
		c.expect(c.post("/staff/users/new", url.Values{"name": {"X"}, "email": {"x@provider.test"}, "roles": {"admin"}}), http.StatusForbidden, "")
		got, err := e.acc.GetOrganisation(e.ctx, e.admin(), org.ID)
		if err != nil || got.Disabled {
			t.Fatalf("customer changed: %+v %v", got, err)
		}
	})
}

func TestStaffAuditAndMail(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		e.customer("Fietsenmaker Pietersen", "henk@pietersen.test")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")

		r := c.get("/staff/audit")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "customer.create", "login.success", "Bakkerij Jansen")

		r = c.get("/staff/audit?action=login.success")
		contains(t, r.Body, "login.success")
		lacks(t, r.Body, "<code>customer.create</code>")

		r = c.get(fmt.Sprintf("/staff/audit?org=%d", org.ID))
		lacks(t, r.Body, "Pietersen")
		r = c.get("/staff/audit?q=pietersen")
		contains(t, r.Body, "Pietersen")
		lacks(t, r.Body, "Bakkerij Jansen")
		r = c.get("/staff/audit?actor=staff")
		contains(t, r.Body, "anna@provider.test")
		lacks(t, r.Body, `<span class="badge">Systeem</span>`)

		// Cursor pagination: 50 a page, then "older".
		for i := range 60 {
			if _, err := e.acc.CreateOrganisation(e.ctx, e.admin(), accounts.OrganisationInput{
				Kind: accounts.Consumer, LegalName: fmt.Sprintf("Klant %02d", i), Email: fmt.Sprintf("k%d@example.test", i), Language: "nl",
				PostalAddress: accounts.Address{Street: "Dorpsstraat 1", PostalCode: "1234 AB", City: "Ergens", Country: "NL"},
			}, nil); err != nil {
				t.Fatal(err)
			}
		}
		r = c.get("/staff/audit")
		older := regexp.MustCompile(`href="(/staff/audit\?before=\d+)" rel="next"`).FindStringSubmatch(r.Body)
		if older == nil {
			t.Fatalf("no link to older entries\n%s", excerpt(r.Body))
		}
		r = c.get(older[1])
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Nieuwste")

		// Demo outbox shows the mail bodies, but never a one-time link (security finding 1).
		c.post("/forgot", url.Values{"email": {"henk@pietersen.test"}})
		r = c.get("/staff/mail")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "henk@pietersen.test", "[versleuteld tot verzending: bevat een eenmalige link]")
		lacks(t, r.Body, "/reset?token=")
		contains(t, c.get("/staff/").Body, "e-mails in de wachtrij")
	})
}

func TestMailPageOnlyInDemo(t *testing.T) {
	eachWith(t, Config{ProviderName: "Cloud Provider"}, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		c.expect(c.get("/staff/mail"), http.StatusNotFound, "")
		lacks(t, c.get("/staff/").Body, `href="/staff/mail"`)
	})
}
