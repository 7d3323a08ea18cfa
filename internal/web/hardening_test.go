package web

import (
	"encoding/csv"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/metrics"
)

// Finding 2 of issue 8: a customer named =HYPERLINK(…) must reach the receivables
// export as text, not as a formula.
func TestReportCSVNeutralisesFormulas(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		name := `=HYPERLINK("https://evil.example/","Betaal hier")`
		_, u := e.customer(name, "marieke@jansen.test")
		e.invoiced(e.customerPrincipal(u), "webhosting", "start")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/reports/receivables.csv")
		c.expect(r, http.StatusOK, "")
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if strings.HasPrefix(cell, "=") {
					t.Errorf("formula cell in the export: %q", cell)
				}
				if cell == "'"+name {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("the customer's name is not in the export as text:\n%s", r.Body)
		}
	})
}

// Finding 6 of issue 8: a form with more fields than Go parses (10,000 by default) is
// a bad request with a page in the reader's language on every form, never a 500 with
// an error in the log.
func TestTooManyFormFieldsIsABadRequest(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		var b strings.Builder
		for i := range 20000 {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString("f=" + strconv.Itoa(i))
		}
		body := b.String()
		post := func(c *client, path string) resp {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return c.do(req)
		}
		staffC := e.client()
		staffC.login("anna@provider.test", staffSecret, "/staff/")
		portalC := e.client()
		portalC.login("marieke@jansen.test", "", "/portal/")
		anon := e.client()

		for _, tc := range []struct {
			c    *client
			path string
		}{{staffC, "/staff/customers/new"}, {portalC, "/portal/users/new"}, {anon, "/login"}} {
			r := post(tc.c, tc.path)
			tc.c.expect(r, http.StatusBadRequest, "")
			contains(t, r.Body, "te veel velden")
		}
		anon.header.Set("Accept-Language", "en")
		r := post(anon, "/login")
		anon.expect(r, http.StatusBadRequest, "")
		contains(t, r.Body, "too many fields")
		paths := map[string]*client{"/login": anon, "/forgot": anon, "/reset": anon, "/lang": anon}
		for _, pattern := range e.srv.patterns {
			method, path, _ := strings.Cut(pattern, " ")
			if method != http.MethodPost {
				continue
			}
			if strings.HasSuffix(path, "/logout-everywhere") {
				continue // would end the sessions the walk uses; it parses with readForm too
			}
			path = strings.NewReplacer("{id}", "999999", "{$}", "").Replace(path)
			if strings.HasPrefix(path, "/portal/") {
				paths[path] = portalC
			} else {
				paths[path] = staffC
			}
		}
		// Then every POST route. Ids name nothing, so no route changes anything.
		for _, path := range slices.Sorted(maps.Keys(paths)) {
			r := post(paths[path], path)
			if r.Code >= 500 || r.Code == http.StatusSeeOther && r.Location() == "/login" {
				t.Errorf("POST %s with 20,000 fields: %d %s", path, r.Code, r.Location())
			}
		}
		if strings.Contains(e.log.String(), "level=ERROR") {
			t.Errorf("too many fields logged an error:\n%s", e.log.String())
		}
	})
}

// Finding 7 of issue 8: request metrics are labelled with the route that matched, also
// behind the web layer's middleware (which works on a copy of the request) and inside
// the API's own mux; unknown paths share one label.
func TestMetricsLabelTheMatchedRoute(t *testing.T) {
	db := openSQLite(t)
	e := newEnv(t, db, Config{})
	reg := metrics.NewRegistry()
	apiMux := http.NewServeMux()
	apiMux.HandleFunc("GET /api/v1/invoices/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h, err := New(Deps{DB: db, Clock: e.clk, Accounts: e.acc, API: apiMux, Metrics: reg.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	e.h = reg.HTTPMiddleware(h)
	c := e.client()
	c.get("/login")
	c.get("/staff/customers/7")
	c.get("/api/v1/invoices/12")
	c.get("/wp-login.php")
	body := c.get("/metrics").Body
	contains(t, body,
		`http_requests_total{method="GET",status="2xx",route="/login"} 1`,
		`http_requests_total{method="GET",status="3xx",route="/staff/customers/{id}"} 1`,
		`http_requests_total{method="GET",status="4xx",route="/api/v1/invoices/{id}"} 1`,
		`http_requests_total{method="GET",status="4xx",route="unmatched"} 1`)
	lacks(t, body, "/wp-login.php", "/staff/customers/7\"")
}

// Finding 8 of issue 8: staff see an internationalised domain in punycode as well, and
// a name with a bidi control gets a field error in Dutch.
func TestStaffPagesShowPunycodeAndRefuseInvisibleNames(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		org, _ := e.customer("Boekhandel Bücher", "Jan@Bücher.nl")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		page := "/staff/customers/" + itoa(org.ID)
		contains(t, c.get(page).Body, "jan@bücher.nl (xn--bcher-kva.nl)")
		contains(t, c.get("/staff/customers").Body, "jan@bücher.nl (xn--bcher-kva.nl)")

		r := c.post(page+"/users/new", url.Values{"name": {"Piet\u202e Jansen"}, "email": {"piet@bücher.nl"}, "language": {"nl"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "name")
		contains(t, r.Body, "Bevat een onzichtbaar opmaakteken (U&#43;202E)")
		r = c.post(page+"/users/new", url.Values{"name": {"Piet Jansen"}, "email": {"piet@bücher.nl"}, "language": {"nl"}})
		c.expect(r, http.StatusSeeOther, page)
		contains(t, c.get(page).Body, "piet@bücher.nl (xn--bcher-kva.nl)")
	})
}

// Finding 9 of issue 8: an order form sent again under its one-time key with other
// choices orders nothing and says why (409), instead of showing the first contract.
func TestPortalOrderResentWithOtherChoices(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, _ := e.consumer("Sanne de Boer", "sanne@example.test")
		c := e.client()
		c.login("sanne@example.test", "", "/portal/")
		start := e.plan("webhosting", "start")
		r := c.get("/portal/order/" + itoa(start.ID))
		version, err := e.con.CurrentTermsVersion(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"idempotency_key": {hidden(r.Body, "idempotency_key")}, "terms_version": {version}, "domain": {""}, "accept_terms": {"1"}}
		c.expect(c.post("/portal/order/"+itoa(start.ID), form), http.StatusSeeOther, "")
		form.Set("express_start", "1")
		r = c.post("/portal/order/"+itoa(start.ID), form)
		c.expect(r, http.StatusConflict, "")
		contains(t, r.Body, "Dit formulier is al eens verstuurd, met andere keuzes")
		if n := contractCount(e, org.ID); n != 1 {
			t.Fatalf("%d contracts, want 1", n)
		}
	})
}

// Finding 10 of issue 8: staff make API tokens for the staff API on a page of their own,
// shown once; other staff cannot revoke them (only the security role may); and "sign
// out everywhere" can revoke the tokens too.
func TestStaffAPITokensAndLogoutEverywhereRevokes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test", accounts.RoleBilling)
		e.staff("bram@provider.test", accounts.RoleSales)
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/tokens")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `href="/staff/tokens" aria-current="page"`, `action="/staff/tokens"`)

		r = c.post("/staff/tokens", url.Values{"name": {"Boekhouding-export"}, "scopes": {"read"}, "expires_in_days": {"90"}})
		c.expect(r, http.StatusOK, "")
		plain := regexp.MustCompile(`id="new-token" type="text" readonly value="([^"]+)"`).FindStringSubmatch(r.Body)
		if plain == nil {
			t.Fatalf("no plaintext token on the page\n%s", excerpt(r.Body))
		}
		p, err := e.acc.AuthenticateToken(e.ctx, plain[1], "192.0.2.10")
		if err != nil || !p.IsStaff() || p.User.Email != "anna@provider.test" {
			t.Fatalf("the staff token: %+v %v", p.User, err)
		}
		r = c.get("/staff/tokens")
		lacks(t, r.Body, plain[1])
		link := regexp.MustCompile(`href="(/staff/tokens/\d+/revoke)"`).FindStringSubmatch(r.Body)
		if link == nil {
			t.Fatal("no revoke link")
		}

		// Another staff member (not security) neither sees nor revokes it.
		other := e.client()
		other.login("bram@provider.test", staffSecret, "/staff/")
		other.expect(other.get(link[1]), http.StatusNotFound, "")
		other.expect(other.post(link[1], nil), http.StatusForbidden, "")
		// A customer does not reach staff pages at all.
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		cust := e.client()
		cust.login("marieke@jansen.test", "", "/portal/")
		if r := cust.post(link[1], nil); r.Code < 300 || r.Code == http.StatusSeeOther && r.Location() != "/login" && r.Location() != "/portal/" {
			t.Fatalf("customer on a staff token route: %d %s", r.Code, r.Location())
		}
		if _, err := e.acc.AuthenticateToken(e.ctx, plain[1], "192.0.2.10"); err != nil {
			t.Fatalf("the token stopped after others tried: %v", err)
		}

		// Sign out everywhere, ticking "also revoke my API tokens".
		r = c.get("/staff/logout-everywhere")
		contains(t, r.Body, `name="revoke_tokens"`, "Trek ook al mijn API-sleutels in")
		c.expect(c.post("/staff/logout-everywhere", url.Values{"revoke_tokens": {"1"}}), http.StatusSeeOther, "/login")
		if _, err := e.acc.AuthenticateToken(e.ctx, plain[1], "192.0.2.10"); err == nil {
			t.Fatal("the token still works after sign out everywhere with revoke")
		}
	})
}
